package org.pkram.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code pkram exec} removes an old {@code -Dpkram=} only where a JVM reads options: between {@code java} and
 * the main class, the {@code -jar} file or the {@code -m} module; what follows belongs to the application.
 */
class ExecCommandTest
{
    private static final OptionalLong PFN = OptionalLong.of(0x2a);

    @Test
    void shouldLeaveTheArgumentsOfACommandThatIsNotJavaAlone()
    {
        assertEquals(List.of("/bin/echo", "app", "-Dpkram=keep", "other"),
            ExecCommand.commandLine(List.of("/bin/echo", "app", "-Dpkram=keep", "other"), PFN));
    }

    @Test
    void shouldStripOnlyTheJvmOptionsBeforeTheMainClass()
    {
        assertEquals(List.of("java", "-Dpkram=2a", "-cp", "app.jar", "-Xmx1g", "com.example.Main", "-Dpkram=keep"),
            ExecCommand.commandLine(List.of("java", "-Dpkram=old", "-cp", "app.jar", "-Xmx1g", "com.example.Main",
                "-Dpkram=keep"), PFN));
    }

    @Test
    void shouldStripOnlyTheJvmOptionsBeforeTheJar()
    {
        assertEquals(List.of("/usr/bin/java", "-Dpkram=2a", "-jar", "app.jar", "-Dpkram=keep"),
            ExecCommand.commandLine(List.of("/usr/bin/java", "-Dpkram=old", "-jar", "app.jar", "-Dpkram=keep"), PFN));
    }

    @Test
    void shouldStripOnlyTheJvmOptionsBeforeTheModule()
    {
        assertEquals(List.of("java", "-Dpkram=2a", "-p", "mods", "-m", "app/com.example.Main", "-Dpkram=keep"),
            ExecCommand.commandLine(List.of("java", "-p", "mods", "-Dpkram=old", "-m", "app/com.example.Main",
                "-Dpkram=keep"), PFN));
        assertEquals(List.of("java", "-Dpkram=2a", "--module=app", "-Dpkram=keep"),
            ExecCommand.commandLine(List.of("java", "-Dpkram=old", "--module=app", "-Dpkram=keep"), PFN));
    }

    @Test
    void shouldSkipTheValueOfAnOptionThatTakesOne()
    {
        // "-Dpkram=x" after --add-modules is its value, not the main class; the next option is still the JVM's.
        assertEquals(List.of("java", "-Dpkram=2a", "--add-modules", "java.sql", "--class-path", "a:b", "Main",
            "-Dpkram=keep"),
            ExecCommand.commandLine(List.of("java", "--add-modules", "java.sql", "-Dpkram=old", "--class-path", "a:b",
                "-Dpkram=old", "Main", "-Dpkram=keep"), PFN));
    }

    @Test
    void shouldStripEverywhereInAJavaCommandWithoutAMainClass()
    {
        assertEquals(List.of("java", "-version"), ExecCommand.commandLine(List.of("java", "-Dpkram=old", "-version"),
            OptionalLong.empty()));
    }

    @Test
    void shouldPutTheAotCacheOptionsAfterThePfnForJavaOnly()
    {
        final List<String> aot = List.of("-XX:AOTCache=/c/app.aot", "-XX:AOTMode=auto");

        assertEquals(List.of("java", "-Dpkram=2a", "-XX:AOTCache=/c/app.aot", "-XX:AOTMode=auto", "-cp", "app.jar",
            "Main", "-XX:AOTCache=app-arg"),
            ExecCommand.commandLine(List.of("java", "-Dpkram=old", "-cp", "app.jar", "Main", "-XX:AOTCache=app-arg"),
                PFN, aot));
        assertEquals(List.of("java", "-XX:AOTCache=/c/app.aot", "-XX:AOTMode=auto", "-jar", "app.jar"),
            ExecCommand.commandLine(List.of("java", "-jar", "app.jar"), OptionalLong.empty(), aot));
        assertEquals(List.of("./run.sh", "x"), ExecCommand.commandLine(List.of("./run.sh", "x"), PFN, aot));
    }
}
