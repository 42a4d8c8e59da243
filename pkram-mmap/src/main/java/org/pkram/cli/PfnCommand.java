package org.pkram.cli;

import org.pkram.boot.PfnFile;

/**
 * {@code pkram pfn}: the pfn file's value, {@code cat /sys/kernel/pkram}.
 */
final class PfnCommand implements Command
{
    @Override
    public String name()
    {
        return "pfn";
    }

    @Override
    public String synopsis()
    {
        return "pfn";
    }

    @Override
    public String summary()
    {
        return "print the exported super block pfn (cat /sys/kernel/pkram)";
    }

    @Override
    public String help()
    {
        return """
            Print the super block pfn the last boot or reboot exported (the pfn file, MEM.pfn) as lower-case
            hex, or 0 when there is none: what the next boot is given as pkram=<pfn>.
            """;
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(0, 0, "");
        final long pfn = PfnFile.read(PfnFile.of(context.memoryFile())).orElse(0);
        context.out().println(Long.toHexString(pfn));
        return PkramCli.EXIT_OK;
    }
}
