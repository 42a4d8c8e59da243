package org.pkram.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.pkram.Pkram;

/**
 * The fresh JVM {@link FirstBootBenchmark} measures: started before the measurement, it loads nothing of pkram's
 * until its parent asks for a boot, so the first boot it makes is the first of its life, as in a restarted service.
 * <p>
 * Protocol, one line each way: it says {@code ready} once started; then {@code boot} boots the image and answers
 * {@code booted GENERATION}, {@code reboot} closes it and answers {@code rebooted PFN} (the super block the next
 * boot is given), and end of input ends it. Arguments: {@code FILE PFN} (hex); or {@code train FILE PFN}, which
 * boots and reboots twice and prints the last pfn, the workload of the run that makes the JDK AOT cache.
 */
public final class FirstBootChild
{
    private FirstBootChild()
    {
    }

    /**
     * @param args {@code [train] FILE PFN}.
     * @throws Exception whatever boot throws; the parent reports the child's standard error.
     */
    public static void main(final String[] args) throws Exception
    {
        final PrintStream out = System.out;
        final boolean train = "train".equals(args[0]);
        final int first = train ? 1 : 0;
        final Path file = Path.of(args[first]);
        long pfn = Long.parseUnsignedLong(args[first + 1], 16);
        if (train)
        {
            for (int i = 0; i < 2; i++)
            {
                final Pkram pkram = Pkram.boot(ShmFile.options(file, pfn));
                pkram.close();
                pfn = pkram.superBlockPfn();
            }
            out.println(Long.toHexString(pfn));
            out.flush();
            return;
        }
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("ready");
        out.flush();
        Pkram pkram = null;
        for (String line; (line = in.readLine()) != null; )
        {
            if (line.equals("boot"))
            {
                pkram = Pkram.boot(ShmFile.options(file, pfn));
                out.println("booted " + pkram.generation());
            }
            else if (line.equals("reboot") && pkram != null)
            {
                pkram.close();
                pfn = pkram.superBlockPfn();
                pkram = null;
                out.println("rebooted " + Long.toHexString(pfn));
            }
            else
            {
                out.println("error unknown request: " + line);
            }
            out.flush();
        }
        if (pkram != null)
        {
            pkram.close();
        }
    }
}
