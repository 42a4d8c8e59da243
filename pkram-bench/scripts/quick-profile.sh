#!/usr/bin/env bash
# Quick profile of pkram against its peers and against its floors, in about 40 minutes on a 2-core machine:
#   RestartBenchmark: touch (the page-touch floor), pkram, filechannel, lmdb, chronicle-map at 1 GiB and
#     4 GiB, ready = warm and serve, on /dev/shm and, when it can mount one, on a huge=always tmpfs;
#   ProcessRestartBenchmark: a fresh JVM per restart (jvm alone, touch, pkram, pkram with an AOT cache, the
#     peers) at 4 GiB on /dev/shm;
#   FileTransferBenchmark: pkram save, load and format of 1 GiB against copy_file_range and fallocate;
#   LoadBenchmark (1M folios, with -prof gc) and BootBenchmark at 4 GiB against their metadata floors;
#   FirstBootBenchmark: the first boot of fresh JVMs against their second, without and with a JDK AOT cache;
#   PrefaultBenchmark: Pkram.prefault on 1 and 2 threads against the kernel's populate and a Java touch loop;
#   DurableCommitBenchmark, ParallelSaveBenchmark;
#   CheckpointBenchmark: a checkpoint after changing 1% of 1 GiB, pkram's replace against a full copy (~3 min);
# then ResultsReport writes the tables (results/restart.md) and the chart (results/restart.png).
#
# Usage: bash pkram-bench/scripts/quick-profile.sh        (from anywhere; results go to pkram-bench/results)
# Environment: JAVA_HOME (default: Temurin 25), JMH_LOCK_WAIT seconds to wait for another JMH run on this
# machine to finish (default 1800; JMH runs one at a time per machine, /tmp/jmh.lock), HUGE_DIR where to mount
# the huge-page tmpfs (default /mnt/pkram-huge; mounting needs root, otherwise that part is skipped and
# machine.txt says why).
# Needs about 9 GiB free on /dev/shm (LMDB at 4 GiB takes two pages per value) and 10 GiB of free memory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
OUT=pkram-bench/results
JAR=pkram-bench/target/benchmarks.jar
JMH_LOCK_WAIT=${JMH_LOCK_WAIT:-1800}
mkdir -p "$OUT"

echo "quick-profile: building"
mvn -B -q package -DskipTests

# The flags for PeerProbe, which runs in a JVM started here (the benchmarks' forks get pkram's list from
# BenchMain and the peers' from RestartBenchmark's @Fork): pkram's list as the build wrote it from the parent
# pom, and the peers' extra flags as RestartBenchmark gives them.
PKRAM_FLAGS=$(cat pkram-mmap/target/classes/org/pkram/jvm-flags.txt)
PEER_FLAGS=$(java -cp "$JAR" org.pkram.bench.PeerFlags)

# Leftovers of an interrupted run of these benchmarks (only their own directories).
rm -rf /dev/shm/pkram-restart-* /dev/shm/pkram-process-* /dev/shm/pkram-transfer-* /dev/shm/pkram-parallel-* \
    /dev/shm/pkram-probe-* /tmp/pkram-durable-*
rm -rf /dev/shm/pkram-checkpoint-* /dev/shm/pkram-prefault-* /dev/shm/pkram-firstboot-*

# A tmpfs that backs files with 2 MiB pages, mounted for this run only.
HUGE_DIR=${HUGE_DIR:-/mnt/pkram-huge}
HUGE_NOTE=
DIRS=/dev/shm
if [[ $(id -u) -ne 0 ]]; then
    HUGE_NOTE="skipped: mounting a tmpfs needs root"
elif ! grep -qw tmpfs /proc/filesystems; then
    HUGE_NOTE="skipped: no tmpfs in /proc/filesystems"
elif mkdir -p "$HUGE_DIR" && mount_error=$(mount -t tmpfs -o size=12G,huge=always,mode=1777 pkram-huge "$HUGE_DIR" 2>&1); then
    trap 'umount "$HUGE_DIR" 2>/dev/null || true' EXIT
    DIRS="/dev/shm,$HUGE_DIR"
    HUGE_NOTE="mounted: $(grep " $HUGE_DIR " /proc/mounts)"
else
    HUGE_NOTE="skipped: mount -t tmpfs -o huge=always failed: ${mount_error:-?}"
fi
echo "quick-profile: huge-page tmpfs $HUGE_NOTE"

RESTART_ARGS="org.pkram.bench.RestartBenchmark -p sizeMiB=1024,4096 -p dir=$DIRS -wi 3 -i 5 -foe false -rf json -rff $OUT/restart.json"
LOAD_ARGS="org.pkram.bench.LoadBenchmark -p sizeMiB=4096 -wi 3 -i 5 -prof gc -foe false -rf json -rff $OUT/load.json"
BOOT_ARGS="org.pkram.bench.BootBenchmark.(bootOnly|metadataBaseline) -p sizeMiB=4096 -p nodes=1 -wi 3 -i 5 -foe false -rf json -rff $OUT/boot-floor.json"
FIRST_BOOT_ARGS="org.pkram.bench.FirstBootBenchmark -p sizeMiB=1024,4096 -foe false -rf json -rff $OUT/first-boot.json"
TRANSFER_ARGS="org.pkram.cli.FileTransferBenchmark -p sizeMiB=1024 -wi 2 -i 5 -foe false -rf json -rff $OUT/transfer.json"
PROCESS_ARGS="org.pkram.bench.ProcessRestartBenchmark -p sizeMiB=4096 -p dir=/dev/shm -wi 1 -i 5 -foe false -rf json -rff $OUT/process.json"
DURABLE_ARGS="org.pkram.bench.DurableCommitBenchmark -wi 2 -w 1 -i 3 -r 1 -foe false -rf json -rff $OUT/durable.json"
PARALLEL_ARGS="org.pkram.bench.ParallelSaveBenchmark -wi 2 -w 1 -i 5 -r 1 -foe false -rf json -rff $OUT/parallel.json"
# Forks, warm-ups and iterations as CheckpointBenchmark sets them (2 forks, 5 + 10 single shots each).
CHECKPOINT_ARGS="org.pkram.bench.CheckpointBenchmark -p sizeMiB=1024 -foe false -rf json -rff $OUT/checkpoint.json"
PREFAULT_ARGS="org.pkram.bench.PrefaultBenchmark -p sizeMiB=1024 -foe false -rf json -rff $OUT/prefault.json"

{
    cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
    mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
    echo "machine: $(nproc) cores, $mem RAM, $cpu, Linux $(uname -r)"
    echo "cpu: $cpu"
    echo "nproc: $(nproc)"
    echo "memory: $mem ($(free -m | awk '/^Mem:/ {print $2}') MiB total)"
    echo "kernel: $(uname -srm)"
    echo "shm: $(df -h /dev/shm | awk 'NR==2 {print $1 " " $2 " size, " $4 " free"}'); transparent huge pages for shmem: $(cat /sys/kernel/mm/transparent_hugepage/shmem_enabled 2>/dev/null || echo n/a)"
    echo "huge: $HUGE_NOTE"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min load average when the run started; the machine is shared)"
    echo "jdk: $(java -version 2>&1 | sed -n 2p)"
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "command: bash pkram-bench/scripts/quick-profile.sh"
    echo "jmh restart: java -jar $JAR $RESTART_ARGS"
    echo "jmh process: java -jar $JAR $PROCESS_ARGS"
    echo "jmh transfer: java -jar $JAR $TRANSFER_ARGS"
    echo "jmh load: java -jar $JAR $LOAD_ARGS"
    echo "jmh boot: java -jar $JAR $BOOT_ARGS"
    echo "jmh first boot: java -jar $JAR $FIRST_BOOT_ARGS"
    echo "jmh durable: java -jar $JAR $DURABLE_ARGS"
    echo "jmh parallel: java -jar $JAR $PARALLEL_ARGS"
    echo "jmh checkpoint: java -jar $JAR $CHECKPOINT_ARGS"
    echo "jmh prefault: java -jar $JAR $PREFAULT_ARGS"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

echo "quick-profile: can the peers start on this JDK?"
{
    # shellcheck disable=SC2086
    java $PKRAM_FLAGS -cp "$JAR" org.pkram.bench.PeerProbe "pkram's flags only" 2>/dev/null
    # shellcheck disable=SC2086
    java $PKRAM_FLAGS $PEER_FLAGS -cp "$JAR" org.pkram.bench.PeerProbe "with the peers' flags (PeerFlags)" 2>/dev/null
} | tee "$OUT/peer-probe.txt"

# Run JMH, waiting while another JMH run on this machine holds its lock.
run_jmh() {
    local log=$1
    shift
    local waited=0
    while true; do
        # shellcheck disable=SC2068
        java -jar "$JAR" $@ 2>&1 | tee "$log" | grep -E --line-buffered '^(# Parameters|Iteration|# Warmup Iteration|footprint|aot:|Benchmark|[A-Za-z]+Benchmark\.)' || true
        if grep -q 'Unable to acquire the JMH lock' "$log"; then
            if (( waited >= JMH_LOCK_WAIT )); then
                echo "quick-profile: another JMH run held /tmp/jmh.lock for ${waited}s; giving up" >&2
                exit 1
            fi
            echo "quick-profile: another JMH run is in progress; waiting"
            sleep 15
            waited=$((waited + 15))
            continue
        fi
        break
    done
}

start=$(date +%s)
echo "quick-profile: RestartBenchmark"
run_jmh "$OUT/restart.log" $RESTART_ARGS
echo "quick-profile: ProcessRestartBenchmark"
run_jmh "$OUT/process.log" $PROCESS_ARGS
echo "quick-profile: FileTransferBenchmark"
run_jmh "$OUT/transfer.log" $TRANSFER_ARGS
echo "quick-profile: LoadBenchmark and BootBenchmark against their floors"
run_jmh "$OUT/load.log" $LOAD_ARGS
run_jmh "$OUT/boot-floor.log" $BOOT_ARGS
run_jmh "$OUT/first-boot.log" $FIRST_BOOT_ARGS
echo "quick-profile: DurableCommitBenchmark"
run_jmh "$OUT/durable.log" $DURABLE_ARGS
echo "quick-profile: ParallelSaveBenchmark"
run_jmh "$OUT/parallel.log" $PARALLEL_ARGS
echo "quick-profile: CheckpointBenchmark"
run_jmh "$OUT/checkpoint.log" $CHECKPOINT_ARGS
echo "quick-profile: PrefaultBenchmark"
run_jmh "$OUT/prefault.log" $PREFAULT_ARGS
echo "quick-profile: benchmarks took $(( $(date +%s) - start ))s"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min load average when the run ended)" >> "$OUT/machine.txt"

java -cp "$JAR" org.pkram.bench.ResultsReport "$OUT"
