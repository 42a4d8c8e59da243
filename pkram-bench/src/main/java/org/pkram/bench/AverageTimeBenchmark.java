package org.pkram.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The average-time benchmark classes: 3 warm-up and 5 measured iterations of 1 s each, on top of
 * {@link BaseBenchmark}. JMH merges {@code @Warmup} and {@code @Measurement} attribute by attribute down the class
 * hierarchy, so a subclass that changed only the iteration count would keep the 1 s.
 * <p>
 * The single-shot classes cannot take these: an iteration time inherited from here would replace JMH's
 * "single-shot" in their output and results (JMH ignores it when running them), and no attribute value gives that
 * back ({@code time = 0} is written as "single-shot" into the benchmark list, which JMH then cannot read).
 */
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class AverageTimeBenchmark extends BaseBenchmark
{
    /**
     * For the subclasses, which JMH makes.
     */
    protected AverageTimeBenchmark()
    {
    }
}
