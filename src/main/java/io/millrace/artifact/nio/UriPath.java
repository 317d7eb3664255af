package io.millrace.artifact.nio;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * A path of a {@link UriFileSystemProvider}: {@code scheme://authority/a/b} when absolute, or a
 * relative {@code a/b} (what {@link #relativize} gives). Names are kept as strings split at {@code
 * /}; nothing is looked up until a file operation runs.
 */
public final class UriPath implements Path {
  private final UriFileSystem fileSystem;

  /** The bucket or namenode; null for a relative path. */
  private final String authority;

  private final List<String> names;

  /**
   * What the directory listing that produced this path said about it, so that walking a tree costs
   * one listing per directory, not a request per entry (as the local file system's directory
   * streams cache attributes too); null for a path not from a listing.
   */
  private final BasicFileAttributes listed;

  UriPath(UriFileSystem fileSystem, String authority, List<String> names) {
    this(fileSystem, authority, names, null);
  }

  private UriPath(
      UriFileSystem fileSystem, String authority, List<String> names, BasicFileAttributes listed) {
    this.fileSystem = fileSystem;
    this.authority = authority;
    this.names = List.copyOf(names);
    this.listed = listed;
  }

  public UriPath withListed(BasicFileAttributes attributes) {
    return new UriPath(fileSystem, authority, names, attributes);
  }

  /**
   * The entry {@code name} that a listing of this directory found, with what the listing said of
   * it.
   *
   * @throws IOException for a name that leads elsewhere: an object store's keys are opaque, so a
   *     key such as {@code models/1/../../../x} lists as an entry named {@code ..}, which a walk
   *     would follow and a copy would write outside its target
   */
  public UriPath listedChild(String name, BasicFileAttributes attributes) throws IOException {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")) {
      throw new IOException(
          "the listing of " + this + " holds an entry named '" + name + "', which is no file name");
    }
    return ((UriPath) resolve(name)).withListed(attributes);
  }

  /** The attributes its listing gave, once: a later look must ask the store again. */
  public BasicFileAttributes listed() {
    return listed;
  }

  /** Parses {@code scheme://authority/a/b} or a relative {@code a/b}. */
  public static UriPath parse(UriFileSystem fileSystem, String text) {
    String prefix = fileSystem.scheme() + "://";
    if (text.startsWith(prefix)) {
      String rest = text.substring(prefix.length());
      int slash = rest.indexOf('/');
      String authority = slash < 0 ? rest : rest.substring(0, slash);
      if (authority.isEmpty()) {
        throw new IllegalArgumentException(text + " names no bucket or host");
      }
      return new UriPath(fileSystem, authority, split(slash < 0 ? "" : rest.substring(slash + 1)));
    }
    if (text.contains("://")) {
      throw new ProviderMismatchException(text + " is not a " + fileSystem.scheme() + ":// path");
    }
    return new UriPath(fileSystem, null, split(text));
  }

  private static List<String> split(String path) {
    List<String> names = new ArrayList<>();
    for (String name : path.split("/")) {
      if (!name.isEmpty()) {
        names.add(name);
      }
    }
    return names;
  }

  /** The bucket or namenode; null for a relative path. */
  public String authority() {
    return authority;
  }

  public List<String> names() {
    return names;
  }

  /** The names joined by {@code /}: an object's key, a directory's prefix without its slash. */
  public String key() {
    return String.join("/", names);
  }

  /** The URI as Beam's FileSystems takes it, with a trailing slash for a directory. */
  public String spec(boolean directory) {
    String spec = toString();
    return directory && !spec.endsWith("/") ? spec + "/" : spec;
  }

  @Override
  public UriFileSystem getFileSystem() {
    return fileSystem;
  }

  @Override
  public boolean isAbsolute() {
    return authority != null;
  }

  @Override
  public Path getRoot() {
    return authority == null ? null : new UriPath(fileSystem, authority, List.of());
  }

  @Override
  public Path getFileName() {
    return names.isEmpty()
        ? null
        : new UriPath(fileSystem, null, List.of(names.get(names.size() - 1)));
  }

  @Override
  public Path getParent() {
    if (names.isEmpty() || (authority == null && names.size() == 1)) {
      return null;
    }
    return new UriPath(fileSystem, authority, names.subList(0, names.size() - 1));
  }

  @Override
  public int getNameCount() {
    return names.size();
  }

  @Override
  public Path getName(int index) {
    return new UriPath(fileSystem, null, List.of(names.get(index)));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return new UriPath(fileSystem, null, names.subList(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    if (!(other instanceof UriPath o) || !Objects.equals(authority, o.authority)) {
      return false;
    }
    return o.names.size() <= names.size() && names.subList(0, o.names.size()).equals(o.names);
  }

  @Override
  public boolean endsWith(Path other) {
    if (!(other instanceof UriPath o)) {
      return false;
    }
    if (o.authority != null) {
      return equals(o);
    }
    return o.names.size() <= names.size()
        && names.subList(names.size() - o.names.size(), names.size()).equals(o.names);
  }

  @Override
  public Path normalize() {
    List<String> normal = new ArrayList<>();
    for (String name : names) {
      if (name.equals(".")) {
        continue;
      }
      if (name.equals("..") && !normal.isEmpty() && !normal.get(normal.size() - 1).equals("..")) {
        normal.remove(normal.size() - 1);
      } else if (!(name.equals("..") && authority != null)) {
        normal.add(name);
      }
    }
    return new UriPath(fileSystem, authority, normal);
  }

  @Override
  public Path resolve(Path other) {
    if (other.isAbsolute()) {
      if (other instanceof UriPath) {
        return other;
      }
      throw new ProviderMismatchException(other + " is not a " + fileSystem.scheme() + ":// path");
    }
    List<String> joined = new ArrayList<>(names);
    for (Path name : other) {
      // Another provider's relative path (a local "a/b") joins by its names.
      joined.add(name.toString());
    }
    if (other.toString().isEmpty()) {
      return this;
    }
    return new UriPath(fileSystem, authority, joined);
  }

  @Override
  public Path resolve(String other) {
    return resolve(parse(fileSystem, other));
  }

  @Override
  public Path relativize(Path other) {
    if (!(other instanceof UriPath o) || !Objects.equals(authority, o.authority)) {
      throw new IllegalArgumentException(other + " is not under the root of " + this);
    }
    int common = 0;
    while (common < names.size()
        && common < o.names.size()
        && names.get(common).equals(o.names.get(common))) {
      common++;
    }
    List<String> relative = new ArrayList<>();
    for (int i = common; i < names.size(); i++) {
      relative.add("..");
    }
    relative.addAll(o.names.subList(common, o.names.size()));
    return new UriPath(fileSystem, null, relative);
  }

  @Override
  public URI toUri() {
    if (authority == null) {
      throw new IllegalStateException("a relative path has no URI: " + this);
    }
    return URI.create(toString());
  }

  @Override
  public Path toAbsolutePath() {
    if (authority == null) {
      throw new IllegalStateException(
          "a relative " + fileSystem.scheme() + " path has no working directory: " + this);
    }
    return this;
  }

  /** An object store has no links: the real path is the normalized one. */
  @Override
  public Path toRealPath(LinkOption... options) {
    return toAbsolutePath().normalize();
  }

  @Override
  public File toFile() {
    throw new UnsupportedOperationException(this + " is not a local file");
  }

  @Override
  public WatchKey register(
      WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw new UnsupportedOperationException("no watching of " + fileSystem.scheme() + ":// paths");
  }

  @Override
  public Iterator<Path> iterator() {
    List<Path> each = new ArrayList<>();
    for (String name : names) {
      each.add(new UriPath(fileSystem, null, List.of(name)));
    }
    return each.iterator();
  }

  @Override
  public int compareTo(Path other) {
    return toString().compareTo(other.toString());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof UriPath o
        && o.fileSystem.scheme().equals(fileSystem.scheme())
        && Objects.equals(authority, o.authority)
        && names.equals(o.names);
  }

  @Override
  public int hashCode() {
    return Objects.hash(fileSystem.scheme(), authority, names);
  }

  @Override
  public String toString() {
    String path = String.join("/", names);
    return authority == null ? path : fileSystem.scheme() + "://" + authority + "/" + path;
  }
}
