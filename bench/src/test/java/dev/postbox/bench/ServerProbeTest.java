package dev.postbox.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads this test's own JVM through /proc, as the load generator reads a server's. */
class ServerProbeTest {
    @Test
    void countsTheCompilerThreadsTimeAsPartOfTheProcessTime() {
        ServerProbe probe = new ServerProbe(ProcessHandle.current().pid());
        long sink = 0;
        for (int i = 0; i < 20_000_000; i++) { // hot enough that C2 compiles it, on top of the start-up compilations
            sink += Long.hashCode(sink * 31 + i);
        }
        double compiler = probe.compilerCpuSeconds();
        double process = probe.cpuSeconds();
        assertThat(sink).isNotZero();
        assertThat(compiler).isPositive().isLessThanOrEqualTo(process);
    }

    @Test
    void withoutAProcessEverythingIsZero() {
        ServerProbe probe = new ServerProbe(0);
        assertThat(probe.compilerCpuSeconds()).isZero();
        assertThat(probe.cpuSeconds()).isZero();
    }
}
