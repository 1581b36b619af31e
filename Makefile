# Backprop: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
DATA  ?= /usr/share/datasets/fashion-mnist
BIN   := .build/release/backprop
EPOCHS ?= 10

.PHONY: all deps deps-data build release test demo clean

all: build

deps:
	@scripts/install-deps.sh

deps-data:
	@scripts/install-deps.sh --data

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Runs every test: the library's and the command line's (which need the built binary).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Trains the lecture's network — [784, 30, 10], sigmoid, quadratic cost, plain SGD with
## η = 3 and mini-batches of 10, N(0, 1) initialization — on the full Fashion-MNIST,
## printing test accuracy after each epoch.
demo: deps-data release
	$(BIN) train $(DATA)/train-images-idx3-ubyte.gz --test $(DATA)/t10k-images-idx3-ubyte.gz \
	  --hidden 30 --activation sigmoid --output-activation sigmoid --loss quadratic \
	  --optimizer sgd --learning-rate 3 --batch-size 10 --init normal --epochs $(EPOCHS) --seed 1

clean:
	rm -rf .build
