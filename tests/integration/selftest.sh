#!/usr/bin/env bash
# selftest: Shade's answers to its own failures. selftest=crash executes an
# invalid opcode inside Shade: the crash dump names the exception and shows
# the registers, RIP and the stack, and the run ends as a panic (240).
# selftest=bad-entry breaks vm0's guest state: the failed VM entry is
# reported with its exit reason, the field at fault and a VMCS dump (241).
source "$(dirname "$0")/../lib/common.sh"

t_need_shade selftest/image || t_done
shade_run --timeout 120 --hv-args "selftest=crash"
expect_line selftest/crash/names-exception '^shade: PANIC: CPU exception 6 \(#UD invalid opcode\) in the hypervisor'
expect_line selftest/crash/cr2-line '^  error=[0-9a-f]{16}  cr2=[0-9a-f]{16}  cr3=[0-9a-f]{16}'
expect_line selftest/crash/rip-line '^  rip=[0-9a-f]{16}  cs=0008  rflags=[0-9a-f]{16}  rsp=[0-9a-f]{16}'
expect_line selftest/crash/gprs '^  r12=[0-9a-f]{16} r13=[0-9a-f]{16} r14=[0-9a-f]{16} r15=[0-9a-f]{16}'
expect_line selftest/crash/stack '^  stack:$'
expect_line selftest/crash/end-line '^shade: end reason=panic'
expect_rc selftest/crash/exit-status 240

shade_run --timeout 120 --hv-args "selftest=bad-entry"
expect_line selftest/bad-entry/precheck '^shade: warning: vm0: guest state will not pass VM entry: GUEST_TR'
expect_line selftest/bad-entry/reason '^shade: vm0: VM entry failed: .*invalid guest state \(exit reason 33, qualification 0\)'
expect_line selftest/bad-entry/field '^shade: vm0: guest state \(SDM Vol. 3C 27.3.1\): GUEST_TR must be a usable busy TSS'
expect_line selftest/bad-entry/vmcs-dump '^  GUEST_TR_AR_BYTES +0000000000010000$'
expect_line selftest/bad-entry/end-line '^shade: end reason=entry-failure'
expect_rc selftest/bad-entry/exit-status 241

shade_run --timeout 120 --hv-args "selftest=vmfail"
expect_line selftest/vmfail/named '^shade: vm0: VMRESUME failed: VMRESUME with non-launched VMCS \(VM-instruction error 5\)$'
expect_line selftest/vmfail/vmcs-dump '^shade: VMCS dump:$'
expect_line selftest/vmfail/end-line '^shade: end reason=entry-failure'
expect_rc selftest/vmfail/exit-status 241
t_done
