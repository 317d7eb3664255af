package io.millrace.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.millrace.accumulate.Accumulation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Checks the laws every {@link Accumulation} must keep, on real inputs: the inputs cut into random
 * parts, each part accumulated, written and read back (as between workers), and the parts merged in
 * random order give the result of one pass; merging never changes the state merged in; an empty
 * state changes nothing.
 */
public final class MergeLaws {
  private MergeLaws() {}

  /**
   * @param sameResult asserts that a merged result equals the one-pass result (exactly, or within
   *     the rounding of floating-point sums, which depend on the order of additions)
   */
  public static <I, A, O> void assertPartsMergeToOnePass(
      Accumulation<I, A, O> accumulation, List<I> inputs, long seed, BiConsumer<O, O> sameResult) {
    A all = accumulation.create();
    for (I input : inputs) {
      all = accumulation.add(all, input);
    }
    O onePass = accumulation.extract(all);
    sameResult.accept(
        onePass,
        accumulation.extract(
            accumulation.merge(accumulation.create(), roundTrip(accumulation, all))));

    Random random = new Random(seed);
    for (int trial = 0; trial < 5; trial++) {
      int parts = 2 + random.nextInt(6);
      List<Integer> cuts = new ArrayList<>();
      for (int p = 1; p < parts; p++) {
        cuts.add(random.nextInt(inputs.size() + 1)); // parts may be empty
      }
      cuts.add(0);
      cuts.add(inputs.size());
      Collections.sort(cuts);
      List<A> states = new ArrayList<>();
      for (int p = 0; p + 1 < cuts.size(); p++) {
        A state = accumulation.create();
        for (I input : inputs.subList(cuts.get(p), cuts.get(p + 1))) {
          state = accumulation.add(state, input);
        }
        states.add(roundTrip(accumulation, state));
      }
      Collections.shuffle(states, random);
      A merged = accumulation.create();
      for (A state : states) {
        byte[] before = bytes(accumulation, state);
        merged = accumulation.merge(merged, state);
        assertArrayEquals(
            before, bytes(accumulation, state), "a state merged into another stays unchanged");
      }
      sameResult.accept(onePass, accumulation.extract(merged));
      sameResult.accept(onePass, accumulation.extract(accumulation.ofStates().mergeAll(states)));
    }
  }

  /**
   * Reproducibility: the inputs in random orders, cut into random parts, each part written and read
   * back, and the parts merged as random trees, give a state of the same bytes as one pass in input
   * order, and an output of the same bytes: nothing depends on how a runner bundles and merges.
   */
  public static <I, A, O> void assertAnyCutAndMergeOrderGivesIdenticalBytes(
      Accumulation<I, A, O> accumulation,
      List<I> inputs,
      long seed,
      int trials,
      Function<O, byte[]> outputBytes) {
    A all = accumulation.create();
    for (I input : inputs) {
      all = accumulation.add(all, input);
    }
    byte[] expectedState = bytes(accumulation, all);
    byte[] expectedOutput = outputBytes.apply(accumulation.extract(all));
    Random random = new Random(seed);
    for (int trial = 0; trial < trials; trial++) {
      List<I> shuffled = new ArrayList<>(inputs);
      Collections.shuffle(shuffled, random);
      List<A> states = new ArrayList<>();
      int at = 0;
      int meanPart = 1 + random.nextInt(Math.max(1, inputs.size() / 2));
      while (at < shuffled.size() || states.isEmpty()) {
        int end = Math.min(shuffled.size(), at + random.nextInt(2 * meanPart + 1));
        A state = accumulation.create();
        for (I input : shuffled.subList(at, end)) {
          state = accumulation.add(state, input);
        }
        states.add(random.nextBoolean() ? roundTrip(accumulation, state) : state);
        at = end;
      }
      while (states.size() > 1) {
        A left = states.remove(random.nextInt(states.size()));
        A right = states.remove(random.nextInt(states.size()));
        A merged = accumulation.merge(left, right);
        states.add(random.nextBoolean() ? roundTrip(accumulation, merged) : merged);
      }
      assertArrayEquals(
          expectedState,
          bytes(accumulation, states.get(0)),
          "trial " + trial + ": the merged state's bytes differ from one pass's");
      assertArrayEquals(
          expectedOutput,
          outputBytes.apply(accumulation.extract(states.get(0))),
          "trial " + trial + ": the output's bytes differ from one pass's");
    }
  }

  public static <A> byte[] bytes(Accumulation<?, A, ?> accumulation, A state) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      accumulation.write(state, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static <A> A roundTrip(Accumulation<?, A, ?> accumulation, A state) {
    try {
      return accumulation.read(
          new DataInputStream(new ByteArrayInputStream(bytes(accumulation, state))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
