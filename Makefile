# MultiChat: build, run, test and package.
#
#   make run      install what is missing, build both apps, start the server and a client
#                 (without a display: the server alone, headless)
#   make test     install what is missing, then vet, gofmt check, the tests with -race,
#                 -shuffle and the shipped tags (migrated_fynedo), the Hangul theme check
#                 with system fonts hidden, short fuzz runs and the Linux package check
#                 (what CI runs, through .ci/run); every step runs, and the last line counts
#                 what ran: "summary: N passed, N failed, N skipped" (exit 1 on a failure)
#   make test-stress  the end-to-end and timing-sensitive tests STRESS times (default 50)
#   make bench    benchmarks
#   make dist     Linux packages (.tar.xz) and Windows .exe files in dist/, checked
#   make install  install both apps into the current user's desktop menu (~/.local)
#   make clean    remove bin/, dist/ and tmp/
#
# Every target can be run again at any time; `make setup` installs system
# packages only when one is missing (Debian/Ubuntu, as root or with sudo).

GO       ?= go
FUZZTIME ?= 100000x
STRESS   ?= 50
PORT     ?= 7878
APPS     := chatserver chatclient

# Fyne's GLFW driver and the race detector both need cgo.
export CGO_ENABLED := 1
# Recipes use bash for pipefail (go test's output is kept for the summary).
SHELL := /bin/bash

.PHONY: all setup fonts build run test test-stress vet fmt-check fuzz check-packages bench dist install uninstall clean

all: build

setup:
	@scripts/setup.sh

# The Hangul font the apps embed is not kept in git (4.5 MiB a face): copy it
# from Debian's fonts-nanum (installed by setup) into assets/fonts/. The system
# copy is not a prerequisite: make would look for it before setup has run and,
# on a machine without fonts-nanum, stop with "No rule to make target" even
# though setup installs it.
FONT_SRC ?= /usr/share/fonts/truetype/nanum
FONTS    := assets/fonts/NanumGothic.ttf assets/fonts/NanumGothicBold.ttf
fonts: $(FONTS)
$(FONTS): assets/fonts/%.ttf: | setup
	@test -f $(FONT_SRC)/$*.ttf || { echo "fonts: no $(FONT_SRC)/$*.ttf; install fonts-nanum (make setup does on Debian/Ubuntu) or set FONT_SRC" >&2; exit 1; }
	cp $(FONT_SRC)/$*.ttf $@

# Plain builds for running from the checkout. The migrated_fynedo tag is what
# the Fyne CLI adds for [Migrations] fyneDo = true; bin/FyneApp.toml gives the
# apps their name and version at run time (Fyne reads it from the
# executable's directory in non-release builds).
build: setup fonts
	$(GO) build -tags migrated_fynedo -o bin/ ./cmd/chatserver ./cmd/chatclient
	@grep -v '^[[:space:]]*Icon[[:space:]]*=' FyneApp.toml >bin/FyneApp.toml

run: build
	@PORT=$(PORT) scripts/run.sh

# scripts/test.sh runs every step even when one fails and ends with the
# counts of what ran, read from go test -json by scripts/testsummary.
test: setup fonts
	@GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/test.sh

# The end-to-end and timing-sensitive tests, STRESS times each (a new shuffle
# seed every run; a failure is reported with its seed).
test-stress: setup fonts
	@GO=$(GO) STRESS=$(STRESS) scripts/stress.sh

vet:
	$(GO) vet -tags migrated_fynedo ./...

fmt-check:
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path './bin/*' -not -path './dist/*' \
		-not -path './tmp/*' -not -path '*/testdata/*' | xargs gofmt -l); \
	if [ -n "$$files" ]; then echo "gofmt: these files need formatting:"; echo "$$files"; exit 1; fi; \
	echo "gofmt: ok"

fuzz:
	@FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

check-packages: setup fonts
	@scripts/check-packages.sh dist

bench: setup fonts
	$(GO) test -bench . -benchmem -run '^$$' ./...

dist: setup fonts
	@rm -f dist/*.tar.xz dist/*.exe
	@scripts/package.sh linux dist
	@scripts/package.sh windows dist
	@NO_BUILD=1 scripts/check-packages.sh dist
	$(GO) run ./scripts/checkpe $(addprefix dist/,$(addsuffix .exe,$(APPS)))
	@ls -l dist/

install: setup fonts
	@scripts/package.sh linux dist
	@scripts/install-user.sh dist

uninstall:
	@scripts/install-user.sh --uninstall

clean:
	rm -rf bin dist tmp
