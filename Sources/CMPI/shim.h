// MPI for Swift: mpi.h, plus functions for the handles and constants that mpi.h defines as
// macros over casts of global objects (Open MPI) or integers (MPICH), which Swift cannot import.
#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H

#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *cmpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
static inline MPI_Datatype cmpi_uint16(void) { return MPI_UINT16_T; }

/* inout[i] = bf16(float(in[i]) + float(inout[i])): sums of bfloat16 values (the upper 16
   bits of IEEE floats), each rounded to nearest even; a NaN stays a NaN. */
static inline void cmpi_bf16_sum_function(void *in, void *inout, int *length, MPI_Datatype *type) {
    (void)type;
    const unsigned short *a = (const unsigned short *)in;
    unsigned short *b = (unsigned short *)inout;
    for (int i = 0; i < *length; i++) {
        union { unsigned int bits; float value; } x, y, sum;
        x.bits = (unsigned int)a[i] << 16;
        y.bits = (unsigned int)b[i] << 16;
        sum.value = x.value + y.value;
        if ((sum.bits & 0x7f800000u) == 0x7f800000u && (sum.bits & 0x007fffffu)) {
            b[i] = (unsigned short)((sum.bits >> 16) | 0x40);
        } else {
            b[i] = (unsigned short)((sum.bits + 0x7fffu + ((sum.bits >> 16) & 1u)) >> 16);
        }
    }
}

/* The MPI operation that sums bfloat16 values (made once, on first use). */
static inline MPI_Op cmpi_bf16_sum(void) {
    static MPI_Op op = MPI_OP_NULL;
    if (op == MPI_OP_NULL) MPI_Op_create(cmpi_bf16_sum_function, 1, &op);
    return op;
}

#endif
