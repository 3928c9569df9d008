#!/bin/sh
# Makes libvirt daemon logs with the QEMU monitor traffic of block jobs (docs/libvirt.md).
#
#   sudo scripts/libvirt-logs.sh [OUT_DIR]
#
# Needs libvirt-daemon-system, libvirt-clients, qemu-system-x86 and qemu-utils (Debian bookworm: libvirt
# 9.0, QEMU 7.2). Starts its own virtlogd and libvirtd with a configuration of its own (log_filters
# "1:qemu.qemu_monitor", log to a file), runs paused diskless TCG guests whose small disks live in a
# fresh folder under /tmp, drives blockcopy, blockcommit, blockpull, backup-begin, blockjob and
# domjobabort, restarts the daemon once during a job, destroys a guest with a job running, then stops
# everything it started. It refuses to run when a libvirtd or virtqemud is already running (it would
# not disturb the host's daemon), and touches nothing outside its folder except libvirt's own run-time
# state of the transient guests it creates. The log is copied to OUT_DIR (default: the current folder)
# as libvirtd.log.
set -eu

if [ "$(id -u)" -ne 0 ]; then
  echo "libvirt-logs.sh: run as root (it starts libvirtd)" >&2
  exit 2
fi
for tool in libvirtd virtlogd virsh qemu-img qemu-io qemu-system-x86_64; do
  command -v "$tool" >/dev/null 2>&1 || { echo "libvirt-logs.sh: $tool not found (apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils)" >&2; exit 2; }
done
if pgrep -x libvirtd >/dev/null 2>&1 || pgrep -x virtqemud >/dev/null 2>&1; then
  echo "libvirt-logs.sh: a libvirt daemon is already running; stop it first (this script starts its own)" >&2
  exit 2
fi

OUT=$(cd "${1:-.}" && pwd)
DIR=$(mktemp -d /tmp/qjob-libvirt.XXXXXX)
chmod 0711 "$DIR" # QEMU runs as libvirt-qemu and opens the images inside
LOG="$DIR/libvirtd.log"
VIRSH="virsh -q -c qemu:///system"
DOMAINS="qjob-a qjob-b qjob-c qjob-d"

stop_pid() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.5; done
}
stop_daemons() {
  for d in $DOMAINS; do $VIRSH destroy "$d" >/dev/null 2>&1 || true; done
  for pidfile in "$DIR/libvirtd.pid" "$DIR/virtlogd.pid"; do
    if [ -s "$pidfile" ]; then stop_pid "$(cat "$pidfile")"; fi
  done
}
trap 'stop_daemons' EXIT INT TERM

cat >"$DIR/libvirtd.conf" <<EOF
log_filters="1:qemu.qemu_monitor"
log_outputs="1:file:$LOG"
EOF

start_libvirtd() {
  libvirtd -d -f "$DIR/libvirtd.conf" -p "$DIR/libvirtd.pid"
  for _ in $(seq 1 40); do $VIRSH version >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "libvirt-logs.sh: libvirtd did not start" >&2
  exit 1
}
virtlogd -d -p "$DIR/virtlogd.pid"
start_libvirtd

# Disks: a base image with data, overlays on it, and a raw disk.
img() { qemu-img create -q "$@"; }
fill() { qemu-io -f "$1" -c "write -P $3 0 $4" "$2" >/dev/null; }
for d in a b c d; do
  img -f qcow2 "$DIR/$d-base.qcow2" 32M && fill qcow2 "$DIR/$d-base.qcow2" 0x11 16M
  img -f qcow2 -F qcow2 -b "$DIR/$d-base.qcow2" "$DIR/$d-mid.qcow2"
  fill qcow2 "$DIR/$d-mid.qcow2" 0x22 4M
  img -f qcow2 -F qcow2 -b "$DIR/$d-mid.qcow2" "$DIR/$d-top.qcow2"
  fill qcow2 "$DIR/$d-top.qcow2" 0x33 1M
  img -f raw "$DIR/$d-data.raw" 16M && fill raw "$DIR/$d-data.raw" 0x44 16M
done
# qjob-b's second disk is large enough for a backup to be aborted while it runs.
img -f raw "$DIR/b-data.raw" 512M && fill raw "$DIR/b-data.raw" 0x44 512M

domain_xml() {
  cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DIR/$2-top.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$DIR/$2-data.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}
start_domain() {
  domain_xml "$1" "$2" >"$DIR/$1.xml"
  $VIRSH create "$DIR/$1.xml" --paused >/dev/null
}

# Waits until a disk's block job reports it is ready (or gone).
wait_ready() {
  for _ in $(seq 1 120); do
    info=$($VIRSH blockjob "$1" "$2" --info 2>/dev/null || true)
    case "$info" in *"100 %"*|"") return 0 ;; esac
    sleep 0.5
  done
}
# Waits until a domain has no job (domjobinfo says None).
wait_no_job() {
  for _ in $(seq 1 120); do
    $VIRSH domjobinfo "$1" 2>/dev/null | grep -q 'None' && return 0
    sleep 0.5
  done
}
backup_xml() {
  cat <<EOF
<domainbackup mode='push'>
  <disks>
    <disk name='vda' backup='no'/>
    <disk name='vdb' type='file'><target file='$DIR/$1'/><driver type='qcow2'/></disk>
  </disks>
</domainbackup>
EOF
}

# Two guests at once: their monitors share the log.
start_domain qjob-a a
start_domain qjob-b b

# qjob-a: copies and an active commit.
$VIRSH blockcopy qjob-a vdb "$DIR/a-copy1.raw" --format raw --transient-job --wait --pivot >/dev/null
$VIRSH blockcopy qjob-a vdb "$DIR/a-copy2.raw" --format raw --transient-job --wait --finish >/dev/null
$VIRSH blockcopy qjob-a vdb "$DIR/a-copy3.raw" --format raw --transient-job --bandwidth 1 >/dev/null
sleep 1
$VIRSH blockjob qjob-a vdb --abort >/dev/null
$VIRSH blockcommit qjob-a vda --active --wait --pivot >/dev/null

# qjob-b: a non-active commit, a pull, a copy pivoted with blockjob, backups (one aborted).
$VIRSH blockcommit qjob-b vda --top "$DIR/b-mid.qcow2" --base "$DIR/b-base.qcow2" --wait >/dev/null
$VIRSH blockpull qjob-b vda --wait >/dev/null
$VIRSH blockcopy qjob-b vda "$DIR/b-copy.qcow2" --format qcow2 --transient-job >/dev/null
wait_ready qjob-b vda
$VIRSH blockjob qjob-b vda --pivot >/dev/null
backup_xml b-backup1.qcow2 >"$DIR/backup1.xml"
$VIRSH backup-begin qjob-b "$DIR/backup1.xml" >/dev/null
wait_no_job qjob-b
backup_xml b-backup2.qcow2 >"$DIR/backup2.xml"
$VIRSH backup-begin qjob-b "$DIR/backup2.xml" >/dev/null
$VIRSH domjobabort qjob-b >/dev/null || true
wait_no_job qjob-b

# qjob-c: the daemon restarts during a slow copy; the new daemon opens a second monitor and aborts it.
start_domain qjob-c c
$VIRSH blockcopy qjob-c vdb "$DIR/c-copy.raw" --format raw --transient-job --bandwidth 1 >/dev/null
sleep 2
stop_pid "$(cat "$DIR/libvirtd.pid")"
start_libvirtd
sleep 1
$VIRSH blockjob qjob-c vdb --abort >/dev/null

# qjob-d: destroyed while a slow copy runs: its jobs never conclude in the log.
start_domain qjob-d d
$VIRSH blockcopy qjob-d vdb "$DIR/d-copy.raw" --format raw --transient-job --bandwidth 1 >/dev/null
sleep 2
$VIRSH destroy qjob-d >/dev/null

for d in qjob-a qjob-b qjob-c; do $VIRSH destroy "$d" >/dev/null 2>&1 || true; done
stop_daemons
trap - EXIT INT TERM
cp "$LOG" "$OUT/libvirtd.log"
echo "wrote $OUT/libvirtd.log ($(wc -c <"$LOG") bytes); images in $DIR (rm -r it when done)"
