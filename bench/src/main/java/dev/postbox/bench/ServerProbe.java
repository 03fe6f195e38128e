package dev.postbox.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a server process's CPU time, the part of it its JIT compiler threads spent, and its resident memory from
 * /proc (Linux).
 */
final class ServerProbe {
    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private final long pid;

    ServerProbe(long pid) {
        this.pid = pid;
    }

    /** User + system CPU time of the process so far, in seconds (0 when no pid was given). */
    double cpuSeconds() {
        if (pid <= 0) {
            return 0;
        }
        try {
            return userPlusSystemTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")))
                    / TICKS_PER_SECOND;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
        }
    }

    /**
     * User + system CPU time so far of the process's JIT compiler threads (HotSpot names them "C1 CompilerThread<n>"
     * and "C2 CompilerThread<n>"), in seconds; 0 when no pid was given. A JVM that is still compiling its hot paths
     * in a measured run pays for it in that run's CPU per message: this says how much of it was that.
     */
    double compilerCpuSeconds() {
        if (pid <= 0) {
            return 0;
        }
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm")).contains("CompilerThre")) { // comm is cut at 15 chars
                        ticks += userPlusSystemTicks(Files.readString(task.resolve("stat")));
                    }
                } catch (IOException e) {
                    // the thread ended between listing and reading: its time is gone from the sum either way
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/" + pid + "/task", e);
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** Fields 14 and 15 of a /proc stat line (utime, stime), counted after the parenthesised command name. */
    private static long userPlusSystemTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** Resident set size in MiB (0 when no pid was given). */
    long rssMiB() {
        if (pid <= 0) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
            return 0;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/status", e);
        }
    }
}
