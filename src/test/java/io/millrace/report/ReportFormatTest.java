package io.millrace.report;

import static io.millrace.report.ReportFormat.compact;
import static io.millrace.report.ReportFormat.percent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.tfmd.NumericStatistics;
import org.junit.jupiter.api.Test;

class ReportFormatTest {
  @Test
  void compactNumbersHaveAtMostFourSignificantDigits() {
    assertEquals("0", compact(0));
    assertEquals("0.1", compact(0.1));
    assertEquals("1.5", compact(1.5));
    assertEquals("-2.25", compact(-2.25));
    assertEquals("3.333", compact(10.0 / 3));
    assertEquals("123.5", compact(123.456));
    assertEquals("1234", compact(1234));
    assertEquals("12.3k", compact(12_300));
    assertEquals("12.35k", compact(12_345));
    assertEquals("10k", compact(9_999.6));
    assertEquals("-123.5M", compact(-123_456_789));
    assertEquals("1.4B", compact(1.4e9));
    assertEquals("2T", compact(2e12));
    assertEquals("1.235e15", compact(1.2345e15));
    assertEquals("0.001", compact(0.001));
    assertEquals("1.234e-5", compact(0.000012344));
    assertEquals("5e-7", compact(5e-7));
    assertEquals("NaN", compact(Double.NaN));
    assertEquals("inf", compact(Double.POSITIVE_INFINITY));
    assertEquals("-inf", compact(Double.NEGATIVE_INFINITY));
    assertEquals("1234.57", compact(1234.567, 6));
    assertEquals("1.23457M", compact(1_234_567, 6));
  }

  @Test
  void centersGetTheDigitsToTellMinMedianAndMaxApart() {
    NumericStatistics tracts =
        NumericStatistics.newBuilder()
            .setMean(17_031_502_345.6)
            .setMin(17_031_010_100L)
            .setMedian(17_031_320_100L)
            .setMax(17_031_980_100L)
            .build();
    assertArrayEquals(
        new String[] {"17.0315B", "17.031B", "17.0313B", "17.032B"}, ReportFormat.centers(tracts));
    NumericStatistics fare =
        NumericStatistics.newBuilder()
            .setMean(11.74)
            .setMin(0)
            .setMedian(7.85)
            .setMax(700.1)
            .build();
    assertArrayEquals(new String[] {"11.74", "0", "7.85", "700.1"}, ReportFormat.centers(fare));
    NumericStatistics constant =
        NumericStatistics.newBuilder().setMean(3).setMin(3).setMedian(3).setMax(3).build();
    assertArrayEquals(new String[] {"3", "3", "3", "3"}, ReportFormat.centers(constant));
  }

  @Test
  void percentagesNeverRoundToTheEnds() {
    assertEquals("0%", percent(0, 10));
    assertEquals("100%", percent(10, 10));
    assertEquals("50.0%", percent(5, 10));
    assertEquals("<0.1%", percent(1, 10_000));
    assertEquals(">99.9%", percent(9_999, 10_000));
    assertEquals("-", percent(1, 0));
  }

  @Test
  void coordinatesHaveOneDecimal() {
    assertEquals("12", Svg.coord(12.04));
    assertEquals("12.5", Svg.coord(12.46));
    assertEquals("-0.5", Svg.coord(-0.5));
    assertEquals("-1.5", Svg.coord(-1.5));
  }
}
