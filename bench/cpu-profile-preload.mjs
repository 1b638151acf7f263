// Preload (`node --import ./bench/cpu-profile-preload.mjs ...`) that lets the benchmark profile a running gateway
// without restarting it: the first SIGUSR2 starts V8's CPU profiler, the second writes a .cpuprofile into
// $BENCH_PROFILE_DIR (open it in Chrome DevTools or speedscope). Works for programs that do not exit cleanly on a
// signal (where `node --cpu-prof` would write nothing).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const directory = process.env.BENCH_PROFILE_DIR ?? ".";
const session = new Session();
session.connect();
let profiling = false;

process.on("SIGUSR2", () => {
  if (!profiling) {
    profiling = true;
    session.post("Profiler.enable", () => {
      session.post("Profiler.setSamplingInterval", { interval: 200 }, () => session.post("Profiler.start"));
    });
    return;
  }
  profiling = false;
  session.post("Profiler.stop", (error, result) => {
    if (error) {
      process.stderr.write(`cpu-profile-preload: ${error.message}\n`);
      return;
    }
    const file = join(directory, `cpu-${process.pid}-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
    process.stderr.write(`cpu-profile-preload: wrote ${file}\n`);
  });
});
