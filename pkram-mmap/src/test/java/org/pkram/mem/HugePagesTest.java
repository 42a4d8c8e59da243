package org.pkram.mem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Huge-page backing is read from the system: the file's mount and {@code shmem_enabled}, cross-checked here
 * against what {@code findmnt}-style parsing of the same files says.
 */
class HugePagesTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReadDevShmAsTheTmpfsItIsWithItsHugeOption() throws Exception
    {
        final HugePages shm = HugePages.of(Path.of("/dev/shm/pkram-probe.mem"));
        final String shmem = HugePages.shmemEnabled();
        if (shmem.equals("force") || shmem.equals("deny"))
        {
            assertEquals(shmem.equals("force"), shm.huge(), shm.toString());
            return;
        }
        assertTrue(shm.description().startsWith("tmpfs /dev/shm huge="), shm.toString());
        final String option = shm.description().substring("tmpfs /dev/shm huge=".length());
        assertEquals(option.equals("always") || option.equals("within_size") || option.equals("advise"), shm.huge());
        // The same answer from the mount table by other means: the last /dev/shm line of mountinfo.
        String superOptions = "";
        for (final String line : Files.readAllLines(Path.of("/proc/self/mountinfo")))
        {
            if (line.split(" ")[4].equals("/dev/shm"))
            {
                superOptions = line.substring(line.indexOf(" - ") + 3).split(" ")[2];
            }
        }
        assertEquals(superOptions.contains("huge=" + option) || (option.equals("never") &&
            !superOptions.contains("huge=")), true, superOptions + " vs " + shm);
    }

    @Test
    void shouldSeeNoHugePagesOnAFileSystemThatIsNotATmpfs() throws Exception
    {
        final Path probe = Path.of(System.getProperty("user.dir")).resolve("pom.xml");
        final HugePages notTmpfs = HugePages.of(probe);
        if (!HugePages.shmemEnabled().equals("force"))
        {
            assertFalse(notTmpfs.huge() && !notTmpfs.description().startsWith("hugetlbfs"), notTmpfs.toString());
        }
        assertFalse(notTmpfs.description().isEmpty());
    }

    @Test
    void shouldDescribeAMemfdByShmemEnabled()
    {
        try (Memfd memfd = Memfd.create("huge-probe", 1 << 20))
        {
            final HugePages pages = HugePages.of(memfd.path());
            assertTrue(pages.description().contains("shmem_enabled=" + HugePages.shmemEnabled()), pages.toString());
        }
    }
}
