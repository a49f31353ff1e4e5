# shellcheck shell=bash
# mbkernel.sh — write and build a tiny Multiboot v1 kernel for tests.
#
# The kernel is generated as assembly and built with binutils alone
# (`as --32`, `ld -m elf_i386`), so it is not part of the project's build:
# it stands for "any kernel a user brings". It prints lines on COM1 (polling
# LSR bit 5 before each byte), then exits through QEMU's isa-debug-exit port
# 0xf4 and, optionally, Bochs's shutdown port 0x8900.
#
#   mb_kernel OUT.elf [options]
#     --line TEXT       print TEXT and a newline (repeatable, in order)
#     --exit VALUE      byte written to port 0xf4 at the end (default 0)
#     --vmcall-exit N   first end through Shade's EXIT hypercall (VMCALL with
#                       EAX=2, EBX=N): the VM's status is exactly N
#     --uart-init       program the 16550 for 8N1 first (needed on bare
#                       Bochs, whose UART starts with 5-bit words)
#     --shutdown        after the exit port, write "Shutdown" to port 0x8900
#                       once the UART's transmitter is empty (bare Bochs)
#     --triple-fault    end with a triple fault instead of the exit ports
#     --entry ADDR      put the ELF entry point at ADDR (default: _start)
#     --pad BYTES       add BYTES of data to the image (to make it bigger)
#     --read-input N    before the lines: print "ready for input", read N
#                       bytes from COM1 (polling LSR bit 0), print "got: "
#                       and those bytes on one line
#     --echo-mbi        first print "cmdline: ..." and one "module: ..." line
#                       per module from the Multiboot information
#
# Returns non-zero (with the assembler's message on stderr) on failure.

mb_kernel() {
	local out=$1; shift
	local exitval=0 read_input=0 vmcall_exit="" uart_init=0 shutdown=0 triple=0 entry=_start pad=0 echo_mbi=0
	local -a lines=()
	while [ $# -gt 0 ]; do
		case $1 in
		--line) lines+=("$2"); shift 2 ;;
		--exit) exitval=$2; shift 2 ;;
		--vmcall-exit) vmcall_exit=$2; shift 2 ;;
		--uart-init) uart_init=1; shift ;;
		--shutdown) shutdown=1; shift ;;
		--triple-fault) triple=1; shift ;;
		--entry) entry=$2; shift 2 ;;
		--pad) pad=$2; shift 2 ;;
		--echo-mbi) echo_mbi=1; shift ;;
		--read-input) read_input=$2; shift 2 ;;
		*) echo "mb_kernel: unknown option $1" >&2; return 2 ;;
		esac
	done
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mbkernel.XXXXXX") || return 1
	local src=$dir/kernel.S
	{
		cat <<'ASM'
	.code32
	.text
	.align 4
	/* Multiboot v1 header: magic, flags 0 (ELF image), checksum. */
	.long 0x1BADB002
	.long 0
	.long -0x1BADB002
	.globl _start
_start:
	mov $stack_top, %esp
ASM
		if [ "$uart_init" = 1 ]; then
			cat <<'ASM'
	/* 16550: DLAB on, divisor 1 (115200), 8N1, FIFOs on, DTR|RTS. */
	mov $0x3fb, %dx; mov $0x80, %al; outb %al, %dx
	mov $0x3f8, %dx; mov $0x01, %al; outb %al, %dx
	mov $0x3f9, %dx; mov $0x00, %al; outb %al, %dx
	mov $0x3fb, %dx; mov $0x03, %al; outb %al, %dx
	mov $0x3fa, %dx; mov $0xc7, %al; outb %al, %dx
	mov $0x3fc, %dx; mov $0x03, %al; outb %al, %dx
ASM
		fi
		if [ "$echo_mbi" = 1 ]; then
			cat <<'ASM'
	/* Print the Multiboot command line and each module's string. */
	mov %ebx, %edi
	testl $4, (%edi)
	jz 1f
	mov $s_cmdline, %esi
	call puts
	mov 16(%edi), %esi
	call puts
	mov $s_nl, %esi
	call puts
1:	testl $8, (%edi)
	jz 3f
	mov 20(%edi), %ecx
	mov 24(%edi), %ebp
2:	test %ecx, %ecx
	jz 3f
	mov $s_module, %esi
	call puts
	mov 8(%ebp), %esi
	call puts
	mov $s_nl, %esi
	call puts
	add $16, %ebp
	dec %ecx
	jmp 2b
3:
ASM
		fi
		if [ "$read_input" -gt 0 ]; then
			printf '\tmov $%d, %%ecx\n' "$read_input"
			cat <<'ASM'
	mov $s_ready, %esi
	call puts
	mov $inbuf, %edi
1:	mov $0x3fd, %dx
	inb %dx, %al
	test $0x01, %al
	jz 1b
	mov $0x3f8, %dx
	inb %dx, %al
	movb %al, (%edi)
	inc %edi
	loop 1b
	movb $0, (%edi)
	mov $s_got, %esi
	call puts
	mov $inbuf, %esi
	call puts
	mov $s_nl, %esi
	call puts
ASM
		fi
		cat <<'ASM'
	mov $message, %esi
	call puts
ASM
		if [ "$triple" = 1 ]; then
			cat <<'ASM'
	/* Empty IDT, then a fault: #GP -> #DF -> triple fault. */
	lidt null_idt
	int $3
ASM
		fi
		if [ -n "$vmcall_exit" ]; then
			# shellcheck disable=SC2016  # $ is the assembler's immediate prefix
			printf '\tmov $2, %%eax\n\tmov $%s, %%ebx\n\tvmcall\n' "$vmcall_exit"
		fi
		# shellcheck disable=SC2016  # $ is the assembler's immediate prefix
		printf '\tmov $0xf4, %%dx\n\tmov $%s, %%al\n\toutb %%al, %%dx\n' "$exitval"
		if [ "$shutdown" = 1 ]; then
			cat <<'ASM'
4:	mov $0x3fd, %dx
	inb %dx, %al
	test $0x40, %al
	jz 4b
	mov $0x8900, %dx
	mov $shutdown, %esi
5:	movb (%esi), %al
	test %al, %al
	jz 6f
	outb %al, %dx
	inc %esi
	jmp 5b
6:
ASM
		fi
		cat <<'ASM'
7:	cli
	hlt
	jmp 7b

	/* puts: write the NUL-terminated string at %esi to COM1. */
puts:
	push %eax
	push %edx
1:	movb (%esi), %ah
	test %ah, %ah
	jz 3f
2:	mov $0x3fd, %dx
	inb %dx, %al
	test $0x20, %al
	jz 2b
	mov $0x3f8, %dx
	mov %ah, %al
	outb %al, %dx
	inc %esi
	jmp 1b
3:	pop %edx
	pop %eax
	ret
	.data
	.align 8
null_idt:
	.word 0
	.long 0
shutdown:
	.asciz "Shutdown"
s_cmdline:
	.asciz "cmdline: "
s_module:
	.asciz "module: "
s_nl:
	.asciz "\n"
s_ready:
	.asciz "ready for input\n"
s_got:
	.asciz "got: "
message:
ASM
		local l esc
		for l in "${lines[@]}"; do
			esc=${l//\\/\\\\}
			esc=${esc//\"/\\\"}
			printf '\t.ascii "%s\\n"\n' "$esc"
		done
		printf '\t.byte 0\n'
		if [ "$pad" -gt 0 ]; then
			printf '\t.fill %d, 1, 0x5a\n' "$pad"
		fi
		cat <<'ASM'
	.bss
	.align 16
	.space 4096
stack_top:
inbuf:
	.space 4096
ASM
	} >"$src"
	local rc=0
	if ! as --32 -o "$dir/kernel.o" "$src" 2>"$dir/err" ||
	   ! ld -m elf_i386 -n --no-warn-rwx-segments -Ttext=0x100000 \
		-e "$entry" -o "$out" "$dir/kernel.o" 2>"$dir/err"; then
		cat "$dir/err" >&2
		rc=1
	fi
	rm -rf "$dir"
	return $rc
}
