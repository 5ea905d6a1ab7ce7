#!/usr/bin/env bash
# Runs corten's matmul kernels (portable, AVX2+FMA and AVX-512F) on bare
# metal under the Bochs emulator, with a Skylake-X CPU model that has
# AVX-512, and checks every product against an f64 oracle (src/main.rs).
# QEMU's TCG cannot execute AVX-512; under Linux in Bochs the kernel turns
# XSAVE off (Bochs 2.7 reports an XSAVE layout Linux rejects), so this boots
# no OS: syslinux's mboot.c32 loads the check as a Multiboot image.
#
# Usage: tools/bochs-avx512/run.sh          exit 0 when every product matches,
#                                            1 when one does not, 2 when Bochs
#                                            and the boot files cannot be had
#        tools/bochs-avx512/run.sh --lint   cargo fmt --check and clippy on it
# Needs Debian's bochs, bochsbios, vgabios, isolinux, syslinux-common and
# genisoimage (installed when missing and apt-get can). KEEP=1 keeps the
# work directory (serial.log, bochs.log).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=x86_64-unknown-linux-gnu
# A hosted-target build (hard-float ABI) linked with no C library at 1 MiB.
export RUSTFLAGS="-C target-feature=+avx512f,+avx2,+fma -C relocation-model=static \
-C link-arg=-nostartfiles -C link-arg=-nostdlib -C link-arg=-static -C link-arg=-no-pie \
-C link-arg=-Wl,-T,link.ld -C link-arg=-Wl,--build-id=none"
if [ "${1:-}" = "--lint" ]; then
  cd "$here"
  cargo fmt -- --check
  cargo clippy --release --quiet --target $target -- -D warnings
  exit 0
fi

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
packages="bochs bochsbios vgabios isolinux syslinux-common genisoimage"
if ! command -v bochs >/dev/null || ! command -v genisoimage >/dev/null \
  || [ ! -f /usr/lib/ISOLINUX/isolinux.bin ] || [ ! -f /usr/lib/syslinux/modules/bios/mboot.c32 ]; then
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q $packages >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q $packages >/dev/null 2>&1; } \
    || { echo "cannot install $packages" >&2; exit 2; }
fi

(cd "$here" && cargo build --release --quiet --target $target)
mkdir -p "$work/iso/isolinux"
objcopy -O binary -R .bss "$here/target/$target/release/corten-bochs-avx512" \
  "$work/iso/check.bin"
modules=/usr/lib/syslinux/modules/bios
cp /usr/lib/ISOLINUX/isolinux.bin "$modules/ldlinux.c32" "$modules/mboot.c32" \
  "$modules/libcom32.c32" "$work/iso/isolinux/"
cat >"$work/iso/isolinux/isolinux.cfg" <<'EOF'
DEFAULT check
PROMPT 0
TIMEOUT 0
LABEL check
  KERNEL mboot.c32
  APPEND /check.bin
EOF
genisoimage -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
  -no-emul-boot -boot-load-size 4 -boot-info-table -J -R "$work/iso"

# Debian's Bochs starts in its debugger: `c` continues; the check writes
# Bochs's shutdown port when done. Sound stays off: with no sound card,
# Bochs 2.7's ALSA speaker aborts at start-up ("buffer overflow detected").
cat >"$work/bochsrc" <<EOF
megs: 512
cpu: model=corei7_skylake_x, count=1, ips=100000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$work/serial.log
display_library: rfb, options="timeout=0"
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
clock: sync=none
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
EOF
echo c >"$work/debugger"
timeout "${BOCHS_TIMEOUT:-300}" bochs -q -f "$work/bochsrc" -rc "$work/debugger" \
  >"$work/bochs.out" 2>&1 </dev/null || true
if [ ! -s "$work/serial.log" ]; then
  echo "no report from the check; Bochs said:" >&2
  tail -n 20 "$work/bochs.out" "$work/bochs.log" >&2 || true
  exit 1
fi
cat "$work/serial.log"
grep -q "^RESULT: PASS" "$work/serial.log"
