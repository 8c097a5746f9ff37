package org.icupgrade.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java snippets compile against the library and the runnable ones run. */
class ReadmeSnippetsTest {
  static final Path README = Path.of("..", "README.md");

  @Test
  void extract_findsEveryJavaBlock() throws Exception {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    List<String> snippets = ReadmeSnippets.extract(readme);
    int blocks = readme.split("\n```java\n", -1).length - 1;
    assertEquals(blocks, snippets.size());
    assertTrue(snippets.size() >= 5, "the README shows the main services");
  }

  @Test
  void readmeSnippets_compileAndRun(@TempDir Path dir) throws Exception {
    List<String> snippets =
        ReadmeSnippets.extract(Files.readString(README, StandardCharsets.UTF_8));
    Path src = dir.resolve("src/org/icupgrade/readme");
    Files.createDirectories(src);
    Path source = src.resolve("ReadmeProgram.java");
    Files.writeString(source, ReadmeSnippets.program(snippets, "org.icupgrade.readme"));
    Path classes = Files.createDirectories(dir.resolve("classes"));

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    boolean ok = javac.getTask(diagnostics, null, null,
        List.of("-classpath", System.getProperty("java.class.path"), "-d", classes.toString(),
            "-Xlint:all", "-Werror", "-proc:none"),
        null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)
            .getJavaFileObjects(source)).call();
    assertTrue(ok, "the README's snippets do not compile:\n" + diagnostics);

    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(
        new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Method main = loader.loadClass("org.icupgrade.readme.ReadmeProgram")
          .getMethod("main", String[].class);
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      main.invoke(null, (Object) new String[0]);
    } finally {
      System.setOut(stdout);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    for (int i = 0; i < snippets.size(); i++) {
      if (ReadmeSnippets.runnable(snippets.get(i))) {
        assertTrue(out.contains("README snippet " + (i + 1) + " ran"), out);
      }
    }
  }
}
