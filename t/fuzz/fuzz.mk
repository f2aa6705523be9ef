# t/fuzz/fuzz.mk - build the libFuzzer harnesses (GNU make).
#
# Not part of the normal build (which uses gcc): "make fuzz", "make fuzz-ci"
# and "make fuzz-build" in the build tree run
#     make -C t/fuzz -f $(srcdir)/t/fuzz/fuzz.mk srcdir=... COMMON_SRC=... DEP_CFLAGS=... DEP_LIBS=...
# with libtpcommon's source list and the external libraries from Makefile.am,
# so new common/ files are picked up without touching this file.
#
# Adding a harness: write t/fuzz/fuzz_NAME.c (see t/fuzz/fuzz.h), add one
# "HARNESSES += fuzz_NAME" line below and seed t/fuzz/corpus/fuzz_NAME/.

HARNESSES =
HARNESSES += fuzz_addr
HARNESSES += fuzz_cidr
HARNESSES += fuzz_tlsfacts
HARNESSES += fuzz_reply
HARNESSES += fuzz_config
HARNESSES += fuzz_content
HARNESSES += fuzz_dns_rdata
HARNESSES += fuzz_mtasts_txt
HARNESSES += fuzz_mtasts_policy
HARNESSES += fuzz_ehlo
HARNESSES += fuzz_netstring
HARNESSES += fuzz_session

# The harness the runner's self-test plants a bug in (-DTP_FUZZ_PLANT).
PLANT_HARNESS = fuzz_reply

FUZZ_CC ?= clang
SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -Wall -Wextra $(SAN) -pthread
FUZZ_CPPFLAGS = -I$(srcdir)/common -I$(srcdir)/milter -I$(srcdir)/t/fuzz -DSYSCONFDIR='"/nonexistent"' $(DEP_CFLAGS)

LIB_OBJ = $(patsubst %.c,obj/%.o,$(filter %.c,$(COMMON_SRC)))

all: $(HARNESSES)

# libtpcommon, instrumented for coverage (fuzzer-no-link) and the sanitizers
obj/%.o: $(srcdir)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

libtpcommon-fuzz.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

fuzz_%: $(srcdir)/t/fuzz/fuzz_%.c libtpcommon-fuzz.a
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $< libtpcommon-fuzz.a $(DEP_LIBS) -o $@

# fuzz_session drives the daemon's milter steps: it links them (they call no
# smfi_* function: the mctx seam does that, so libmilter's header suffices)
SESSION_OBJ = obj/milter/smfi/handle.o obj/milter/smfi/session.o obj/milter/daemon/stats.o
fuzz_session: $(srcdir)/t/fuzz/fuzz_session.c $(SESSION_OBJ) libtpcommon-fuzz.a
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $< $(SESSION_OBJ) libtpcommon-fuzz.a $(DEP_LIBS) -o $@

planted/$(PLANT_HARNESS): $(srcdir)/t/fuzz/$(PLANT_HARNESS).c libtpcommon-fuzz.a
	@mkdir -p planted
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -DTP_FUZZ_PLANT -fsanitize=fuzzer $< libtpcommon-fuzz.a $(DEP_LIBS) -o $@

planted: planted/$(PLANT_HARNESS)

# for t/fuzz/run.sh
list:
	@echo $(HARNESSES)
plant-name:
	@echo $(PLANT_HARNESS)

clean:
	rm -rf obj planted libtpcommon-fuzz.a $(HARNESSES) *.d

.PHONY: all planted list plant-name clean
-include $(LIB_OBJ:.o=.d) $(SESSION_OBJ:.o=.d) $(HARNESSES:=.d)
