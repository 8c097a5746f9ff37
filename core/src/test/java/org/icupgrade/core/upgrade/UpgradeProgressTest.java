package org.icupgrade.core.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.SnapshotId;
import org.junit.jupiter.api.Test;

class UpgradeProgressTest {
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Principal OWNER = Principal.fromBytes(new byte[] {1, 2, 3});

  static UpgradeProgress progress(String failure) {
    return new UpgradeProgress(CANISTER, OWNER, UpgradeScope.ALL, UpgradeProgress.Phase.HAND_BACK,
        2, CanisterStatus.RunStatus.STOPPED, Sha256.of(new byte[] {1}), Sha256.of(new byte[] {2}),
        Sha256.of(new byte[] {3}), List.of(SnapshotId.of(new byte[] {9, 9})),
        SnapshotId.of(new byte[] {7}), false, true, false, true,
        UpgradeProgress.Phase.DELETE_SNAPSHOT, false, failure);
  }

  @Test
  void text_roundTripsEveryField_lineBreaksInTheFailureIncluded() {
    UpgradeProgress p = progress("line one\nline two \\ with a backslash\r");
    UpgradeProgress back = UpgradeProgress.parse(p.toText());
    assertEquals(p, back);
    assertEquals("line one\nline two \\ with a backslash\r", back.failure().orElseThrow());
    assertEquals(UpgradeProgress.Phase.DELETE_SNAPSHOT, back.pendingPhase().orElseThrow());
    assertEquals(CanisterStatus.RunStatus.STOPPED, back.originalStatus().orElseThrow());
    assertEquals(SnapshotId.of(new byte[] {7}), back.snapshotId().orElseThrow());
  }

  @Test
  void retryHandBack_resumesAtThePendingPhase_asCleanupOnly() {
    UpgradeProgress retry = progress(null).retryHandBack();
    assertEquals(UpgradeProgress.Phase.DELETE_SNAPSHOT, retry.phase());
    assertTrue(!retry.handBackPending());
    assertTrue(retry.cleanup);
  }

  @Test
  void longFailure_cutToItsBound_soTheTextFitsARegistryColumn() {
    UpgradeProgress p = progress("x".repeat(100_000));
    assertEquals(UpgradeProgress.MAX_FAILURE_LENGTH, p.failure().orElseThrow().length());
    assertTrue(p.toText().length() < 4000, p.toText().length() + " characters");
  }

  @Test
  void parse_foreignText_icExceptionSayingSo() {
    IcException e = assertThrows(IcException.class, () -> UpgradeProgress.parse("v=7\nphase=X\n"));
    assertTrue(e.getMessage().contains("not written by this library"), e.getMessage());
  }
}
