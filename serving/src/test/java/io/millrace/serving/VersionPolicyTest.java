package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VersionPolicyTest {
  private static final List<Integer> COMMITTED = List.of(1, 2, 4, 7);

  @Test
  void selectsTheLatestNAllOrSpecificVersions() {
    assertEquals(List.of(7), VersionPolicy.parse("latest").select(COMMITTED));
    assertEquals(List.of(4, 7), VersionPolicy.parse("latest:2").select(COMMITTED));
    assertEquals(COMMITTED, VersionPolicy.parse("latest:9").select(COMMITTED));
    assertEquals(COMMITTED, VersionPolicy.parse("all").select(COMMITTED));
    // A specific version the registry lacks is kept, so that its status reports it.
    assertEquals(List.of(2, 3), VersionPolicy.parse("specific:3,2,3").select(COMMITTED));
    assertEquals("latest:2", VersionPolicy.parse("latest:2").toString());
  }

  @Test
  void aBadPolicyIsRefusedNamingIt() {
    for (String bad : List.of("newest", "latest:0", "latest:x", "specific:", "specific:1,-2")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> VersionPolicy.parse(bad), bad);
      assertTrue(e.getMessage().contains("latest") || e.getMessage().contains("version"), bad);
    }
  }
}
