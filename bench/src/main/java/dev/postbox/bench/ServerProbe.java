package dev.postbox.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a server process's CPU time, the part of it its JIT compiler threads spent, and its resident memory from
 * /proc (Linux); for a database server, the CPU time of its whole process tree.
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

    /**
     * CPU time so far of the process and its children, in seconds (0 when no pid was given): for a database server
     * that runs as a process tree (PostgreSQL: the postmaster, one process per connection, background workers). The
     * sum counts the process, its live children, and the children that ended (the kernel adds their time to the
     * parent's cutime/cstime when it reaps them), so a connection that closes between two readings keeps its time.
     */
    double treeCpuSeconds() {
        if (pid <= 0) {
            return 0;
        }
        long ticks;
        try {
            String[] own = fields(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            ticks = Long.parseLong(own[11]) + Long.parseLong(own[12]) + Long.parseLong(own[13])
                    + Long.parseLong(own[14]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                try {
                    String stat = Files.readString(process.resolve("stat"));
                    if (Long.parseLong(fields(stat)[1]) == pid) {
                        ticks += userPlusSystemTicks(stat);
                    }
                } catch (IOException e) {
                    // the process ended between listing and reading: its time is in its parent's cutime by now
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** Fields 14 and 15 of a /proc stat line (utime, stime). */
    private static long userPlusSystemTicks(String stat) {
        String[] fields = fields(stat);
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** The fields of a /proc stat line after the parenthesised command name: [0] state, [1] ppid, [11] utime… */
    private static String[] fields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
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
