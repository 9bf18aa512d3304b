# Entry points of the suite; each calls its script in scripts/ (ARGS="..." passes arguments on).
.PHONY: run test bench

run:
	bash scripts/run $(ARGS)

test:
	bash scripts/test $(ARGS)

bench:
	bash scripts/bench $(ARGS)

.PHONY: check-replica
check-replica:
	bash scripts/check-replica $(ARGS)
