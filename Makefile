# Entry points of the suite; each calls its script in scripts/ (ARGS="..." passes arguments on).
.PHONY: run test bench faults

run:
	bash scripts/run $(ARGS)

test:
	bash scripts/test $(ARGS)

bench:
	bash scripts/bench $(ARGS)

faults:
	bash scripts/faults $(ARGS)

.PHONY: check-replica
check-replica:
	bash scripts/check-replica $(ARGS)

# Translations: export each addon's i18n/<addon>.pot and merge the .po files (pot-check: fail when stale).
.PHONY: pot pot-check
pot:
	bash scripts/i18n $(ARGS)

pot-check:
	bash scripts/i18n --check
