// oneDNN's matmul primitive for the bfloat16 comparison, loaded at run time like the other
// engines: its types from oneDNN 2.x's header (Debian's libdnnl-dev), its functions from
// libdnnl.so.2 with dlsym.
#define _GNU_SOURCE
#include "engines.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>

struct onednn_matmul {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_t primitive;
    dnnl_memory_t a, b, c;
    char name[128];
};

/// The functions used, from libdnnl.so.2.
static struct {
    dnnl_status_t (*engine_create)(dnnl_engine_t *, dnnl_engine_kind_t, size_t);
    dnnl_status_t (*engine_destroy)(dnnl_engine_t);
    dnnl_status_t (*stream_create)(dnnl_stream_t *, dnnl_engine_t, unsigned);
    dnnl_status_t (*stream_wait)(dnnl_stream_t);
    dnnl_status_t (*stream_destroy)(dnnl_stream_t);
    dnnl_status_t (*memory_desc_init_by_tag)(dnnl_memory_desc_t *, int, const dnnl_dims_t, dnnl_data_type_t,
                                             dnnl_format_tag_t);
    dnnl_status_t (*matmul_desc_init)(dnnl_matmul_desc_t *, const dnnl_memory_desc_t *, const dnnl_memory_desc_t *,
                                      const dnnl_memory_desc_t *, const dnnl_memory_desc_t *);
    dnnl_status_t (*primitive_desc_create)(dnnl_primitive_desc_t *, const_dnnl_op_desc_t, const_dnnl_primitive_attr_t,
                                           dnnl_engine_t, const_dnnl_primitive_desc_t);
    dnnl_status_t (*primitive_desc_query)(const_dnnl_primitive_desc_t, dnnl_query_t, int, void *);
    dnnl_status_t (*primitive_desc_destroy)(dnnl_primitive_desc_t);
    dnnl_status_t (*primitive_create)(dnnl_primitive_t *, const_dnnl_primitive_desc_t);
    dnnl_status_t (*primitive_execute)(const_dnnl_primitive_t, dnnl_stream_t, int, const dnnl_exec_arg_t *);
    dnnl_status_t (*primitive_destroy)(dnnl_primitive_t);
    dnnl_status_t (*memory_create)(dnnl_memory_t *, const dnnl_memory_desc_t *, dnnl_engine_t, void *);
    dnnl_status_t (*memory_set_data_handle)(dnnl_memory_t, void *);
    dnnl_status_t (*memory_destroy)(dnnl_memory_t);
} api;

static int load_api(char *error, int error_size) {
    static int loaded;
    if (loaded) return 0;
    setenv("OMP_NUM_THREADS", "1", 0);  // one thread per product, as every engine here
    void *library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!library) {
        snprintf(error, error_size, "%s", dlerror());
        return -1;
    }
#define LOAD(field, name)                                             \
    if (!(*(void **)&api.field = dlsym(library, name))) {             \
        snprintf(error, error_size, "libdnnl.so.2 has no %s", name);  \
        return -1;                                                    \
    }
    LOAD(engine_create, "dnnl_engine_create")
    LOAD(engine_destroy, "dnnl_engine_destroy")
    LOAD(stream_create, "dnnl_stream_create")
    LOAD(stream_wait, "dnnl_stream_wait")
    LOAD(stream_destroy, "dnnl_stream_destroy")
    LOAD(memory_desc_init_by_tag, "dnnl_memory_desc_init_by_tag")
    LOAD(matmul_desc_init, "dnnl_matmul_desc_init")
    LOAD(primitive_desc_create, "dnnl_primitive_desc_create")
    LOAD(primitive_desc_query, "dnnl_primitive_desc_query")
    LOAD(primitive_desc_destroy, "dnnl_primitive_desc_destroy")
    LOAD(primitive_create, "dnnl_primitive_create")
    LOAD(primitive_execute, "dnnl_primitive_execute")
    LOAD(primitive_destroy, "dnnl_primitive_destroy")
    LOAD(memory_create, "dnnl_memory_create")
    LOAD(memory_set_data_handle, "dnnl_memory_set_data_handle")
    LOAD(memory_destroy, "dnnl_memory_destroy")
#undef LOAD
    loaded = 1;
    return 0;
}

onednn_matmul *onednn_matmul_make(int bfloat16, int transa, int transb, int m, int n, int k, char *error,
                                  int error_size) {
    if (load_api(error, error_size) != 0) return NULL;
    onednn_matmul *matmul = calloc(1, sizeof *matmul);
    if (!matmul) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    dnnl_data_type_t type = bfloat16 ? dnnl_bf16 : dnnl_f32;
    dnnl_dims_t a_dims = {m, k}, b_dims = {k, n}, c_dims = {m, n};
    dnnl_memory_desc_t a, b, c;
    dnnl_matmul_desc_t description;
    dnnl_primitive_desc_t primitive_desc = NULL;
    const char *step = "";
    dnnl_status_t status = dnnl_success;
#define STEP(name, call)          \
    if (status == dnnl_success) { \
        step = name;              \
        status = call;            \
    }
    STEP("dnnl_engine_create", api.engine_create(&matmul->engine, dnnl_cpu, 0))
    STEP("dnnl_stream_create", api.stream_create(&matmul->stream, matmul->engine, dnnl_stream_default_flags))
    // A stored transposed is op(A) in column order: tag ba; the same for B.
    STEP("dnnl_memory_desc_init_by_tag", api.memory_desc_init_by_tag(&a, 2, a_dims, type, transa ? dnnl_ba : dnnl_ab))
    STEP("dnnl_memory_desc_init_by_tag", api.memory_desc_init_by_tag(&b, 2, b_dims, type, transb ? dnnl_ba : dnnl_ab))
    STEP("dnnl_memory_desc_init_by_tag", api.memory_desc_init_by_tag(&c, 2, c_dims, dnnl_f32, dnnl_ab))
    STEP("dnnl_matmul_desc_init", api.matmul_desc_init(&description, &a, &b, NULL, &c))
    STEP("dnnl_primitive_desc_create",
         api.primitive_desc_create(&primitive_desc, &description, NULL, matmul->engine, NULL))
    if (status == dnnl_success) {
        const char *name = NULL;
        if (api.primitive_desc_query(primitive_desc, dnnl_query_impl_info_str, 0, &name) == dnnl_success && name) {
            snprintf(matmul->name, sizeof matmul->name, "%s", name);
        }
        STEP("dnnl_primitive_create", api.primitive_create(&matmul->primitive, primitive_desc))
        api.primitive_desc_destroy(primitive_desc);
    }
    STEP("dnnl_memory_create", api.memory_create(&matmul->a, &a, matmul->engine, DNNL_MEMORY_NONE))
    STEP("dnnl_memory_create", api.memory_create(&matmul->b, &b, matmul->engine, DNNL_MEMORY_NONE))
    STEP("dnnl_memory_create", api.memory_create(&matmul->c, &c, matmul->engine, DNNL_MEMORY_NONE))
#undef STEP
    if (status != dnnl_success) {
        if (status == dnnl_unimplemented) {
            snprintf(error, error_size, "no %s matmul on this CPU (dnnl_unimplemented)", bfloat16 ? "bfloat16" : "float32");
        } else {
            snprintf(error, error_size, "%s failed with status %d", step, (int)status);
        }
        onednn_matmul_free(matmul);
        return NULL;
    }
    return matmul;
}

const char *onednn_matmul_name(const onednn_matmul *matmul) { return matmul->name; }

void onednn_matmul_run(onednn_matmul *matmul, const void *a, const void *b, float *c) {
    api.memory_set_data_handle(matmul->a, (void *)a);
    api.memory_set_data_handle(matmul->b, (void *)b);
    api.memory_set_data_handle(matmul->c, c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, matmul->a}, {DNNL_ARG_WEIGHTS, matmul->b}, {DNNL_ARG_DST, matmul->c}};
    api.primitive_execute(matmul->primitive, matmul->stream, 3, args);
    api.stream_wait(matmul->stream);
}

void onednn_matmul_free(onednn_matmul *matmul) {
    if (!matmul) return;
    if (matmul->a) api.memory_destroy(matmul->a);
    if (matmul->b) api.memory_destroy(matmul->b);
    if (matmul->c) api.memory_destroy(matmul->c);
    if (matmul->primitive) api.primitive_destroy(matmul->primitive);
    if (matmul->stream) api.stream_destroy(matmul->stream);
    if (matmul->engine) api.engine_destroy(matmul->engine);
    free(matmul);
}
#else
struct onednn_matmul {
    int unused;
};

onednn_matmul *onednn_matmul_make(int bfloat16, int transa, int transb, int m, int n, int k, char *error,
                                  int error_size) {
    (void)bfloat16, (void)transa, (void)transb, (void)m, (void)n, (void)k;
    snprintf(error, error_size, "built without oneDNN's header (make deps-bench installs libdnnl-dev)");
    return NULL;
}

const char *onednn_matmul_name(const onednn_matmul *matmul) { return ""; }

void onednn_matmul_run(onednn_matmul *matmul, const void *a, const void *b, float *c) {}

void onednn_matmul_free(onednn_matmul *matmul) {}
#endif
