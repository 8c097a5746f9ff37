#!/usr/bin/env bash
# A project of a user's, generated from scratch: it imports icupgrade-bom, depends on every
# library module as installed in the local Maven repository, checks that its dependency tree
# converges at the upper bounds (maven-enforcer), compiles the README's Java snippets with
# -Xlint:all -Werror and runs those that need no network on the embedded replica.
# Run after `mvn install` of the library (.ci/run does both).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -1)"
enforcer="$(sed -n 's:.*<enforcer.version>\(.*\)</enforcer.version>.*:\1:p' "$root/pom.xml" | head -1)"
exec_version="$(grep -A1 '<artifactId>exec-maven-plugin</artifactId>' "$root/pom.xml" \
  | sed -n 's:.*<version>\(.*\)</version>.*:\1:p' | head -1)"
out="$root/target/consumer"
rm -rf "$out"
mkdir -p "$out/src/main/java"
java "$root/examples/src/test/java/org/icupgrade/examples/ReadmeSnippets.java" \
  "$root/README.md" "$out/src/main/java"

deps=""
for m in core candid protocol http-agent assets-diff deployer embedded-replica; do
  deps="$deps
    <dependency><groupId>org.icupgrade</groupId><artifactId>icupgrade-$m</artifactId></dependency>"
done
# The README's PostgreSQL snippet names the driver's DataSource: a user adds the driver themselves.
pg_version="$(sed -n 's:.*<postgresql.version>\(.*\)</postgresql.version>.*:\1:p' "$root/pom.xml" | head -1)"
deps="$deps
    <dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId><version>$pg_version</version>
      <exclusions><exclusion><groupId>org.checkerframework</groupId><artifactId>checker-qual</artifactId></exclusion></exclusions></dependency>"

cat > "$out/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>icupgrade-consumer</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.icupgrade</groupId>
        <artifactId>icupgrade-bom</artifactId>
        <version>$version</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>$deps
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.0</version>
        <configuration>
          <compilerArgs><arg>-Xlint:all</arg><arg>-Werror</arg></compilerArgs>
        </configuration>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-enforcer-plugin</artifactId>
        <version>${enforcer:-3.6.2}</version>
        <executions>
          <execution>
            <id>converge</id>
            <goals><goal>enforce</goal></goals>
            <configuration>
              <rules><dependencyConvergence/><requireUpperBoundDeps/></rules>
            </configuration>
          </execution>
        </executions>
      </plugin>
      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>exec-maven-plugin</artifactId>
        <version>${exec_version:-3.5.1}</version>
        <configuration>
          <mainClass>ReadmeProgram</mainClass>
          <cleanupDaemonThreads>false</cleanupDaemonThreads>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
POM

cd "$out"
mvn -B -q package exec:java
echo "consumer project: compiled and ran the README's snippets through icupgrade-bom $version"
