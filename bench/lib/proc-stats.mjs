// Resource readings from /proc: CPU time (utime + stime) and resident memory of one process, plus machine facts.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time the process has used so far (user + system), in microseconds. */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1_000_000) / ticksPerSecond();
}

function statusField(pid, name) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const line = status.split("\n").find((candidate) => candidate.startsWith(`${name}:`));
  return line ? Number(line.split(/\s+/)[1]) : Number.NaN;
}

/** Resident set size in MiB (VmRSS). */
export function rssMiB(pid) {
  return statusField(pid, "VmRSS") / 1024;
}

/** Peak resident set size since the process started, in MiB (VmHWM). */
export function peakRssMiB(pid) {
  return statusField(pid, "VmHWM") / 1024;
}

/** Samples VmRSS of `pid` every `everyMs` until stopped; returns the peak seen. */
export function sampleRss(pid, everyMs = 100) {
  let peak = 0;
  const take = () => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // process gone
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/** Facts about the machine that the results need next to them. */
export function machineFacts() {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model ?? "unknown",
    loadavg: loadavg().map((value) => Math.round(value * 100) / 100),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    clockTicksPerSecond: ticksPerSecond(),
  };
}
