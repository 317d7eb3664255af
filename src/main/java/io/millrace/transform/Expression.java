package io.millrace.transform;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * A small arithmetic and boolean expression over raw numeric features, e.g. the taxi "big tipper"
 * label {@code tips > 0.2 * fare}: numbers, feature names, {@code + - * /}, comparisons {@code > >=
 * < <= == !=}, {@code and}, {@code or}, {@code not} and parentheses. Comparisons and logic give 1
 * or 0. A missing feature is NaN, so arithmetic on it is NaN and comparisons with it are false (0).
 *
 * <p>The tree is public so that other evaluators (the TensorFlow graph builder) compute exactly the
 * same thing.
 */
public sealed interface Expression extends Serializable {

  /** A literal number. */
  record Constant(double value) implements Expression {}

  /** A raw feature's first value (NaN when missing). */
  record Feature(String name) implements Expression {}

  /** {@code op} is one of {@code + - * / > >= < <= == != and or}. */
  record Binary(String op, Expression left, Expression right) implements Expression {}

  /** Logical not. */
  record Not(Expression operand) implements Expression {}

  /** Whether the value is a truth value (1 or 0), which makes the output an integer feature. */
  default boolean isBoolean() {
    if (this instanceof Binary b) {
      return !List.of("+", "-", "*", "/").contains(b.op());
    }
    return this instanceof Not;
  }

  /** The features the expression reads, in order of first mention. */
  default List<String> features() {
    Set<String> names = new LinkedHashSet<>();
    collect(this, names);
    return new ArrayList<>(names);
  }

  private static void collect(Expression e, Set<String> names) {
    if (e instanceof Feature f) {
      names.add(f.name());
    } else if (e instanceof Binary b) {
      collect(b.left(), names);
      collect(b.right(), names);
    } else if (e instanceof Not n) {
      collect(n.operand(), names);
    }
  }

  /** Evaluates with each feature's value from {@code values} (NaN when missing). */
  default double evaluate(ToDoubleFunction<String> values) {
    if (this instanceof Constant c) {
      return c.value();
    }
    if (this instanceof Feature f) {
      return values.applyAsDouble(f.name());
    }
    if (this instanceof Not n) {
      return truth(n.operand().evaluate(values)) ? 0 : 1;
    }
    Binary b = (Binary) this;
    return apply(b.op(), b.left().evaluate(values), b.right().evaluate(values));
  }

  private static boolean truth(double v) {
    return v != 0 && !Double.isNaN(v);
  }

  private static double apply(String op, double l, double r) {
    return switch (op) {
      case "+" -> l + r;
      case "-" -> l - r;
      case "*" -> l * r;
      case "/" -> l / r;
      case ">" -> l > r ? 1 : 0;
      case ">=" -> l >= r ? 1 : 0;
      case "<" -> l < r ? 1 : 0;
      case "<=" -> l <= r ? 1 : 0;
      case "==" -> l == r ? 1 : 0;
      case "!=" -> l != r && !Double.isNaN(l) && !Double.isNaN(r) ? 1 : 0;
      case "and" -> truth(l) && truth(r) ? 1 : 0;
      case "or" -> truth(l) || truth(r) ? 1 : 0;
      default -> throw new IllegalStateException("unknown operator " + op);
    };
  }

  /**
   * Parses an expression.
   *
   * @throws IllegalArgumentException naming the position of a syntax error
   */
  static Expression parse(String text) {
    Parser p = new Parser(text);
    Expression e = p.or();
    p.skipSpaces();
    if (p.pos != text.length()) {
      throw p.error("unexpected '" + text.substring(p.pos) + "'");
    }
    return e;
  }

  /** Recursive descent: or > and > not > comparison > sum > product > atom. */
  final class Parser {
    private final String text;
    private int pos;

    private Parser(String text) {
      this.text = text;
    }

    Expression or() {
      Expression left = and();
      while (keyword("or")) {
        left = new Binary("or", left, and());
      }
      return left;
    }

    Expression and() {
      Expression left = not();
      while (keyword("and")) {
        left = new Binary("and", left, not());
      }
      return left;
    }

    Expression not() {
      return keyword("not") ? new Not(not()) : comparison();
    }

    Expression comparison() {
      Expression left = sum();
      for (String op : new String[] {">=", "<=", "==", "!=", ">", "<"}) {
        if (symbol(op)) {
          return new Binary(op, left, sum());
        }
      }
      return left;
    }

    Expression sum() {
      Expression left = product();
      while (true) {
        if (symbol("+")) {
          left = new Binary("+", left, product());
        } else if (symbol("-")) {
          left = new Binary("-", left, product());
        } else {
          return left;
        }
      }
    }

    Expression product() {
      Expression left = atom();
      while (true) {
        if (symbol("*")) {
          left = new Binary("*", left, atom());
        } else if (symbol("/")) {
          left = new Binary("/", left, atom());
        } else {
          return left;
        }
      }
    }

    Expression atom() {
      skipSpaces();
      if (symbol("(")) {
        Expression e = or();
        if (!symbol(")")) {
          throw error("missing ')'");
        }
        return e;
      }
      if (symbol("-")) {
        return new Binary("-", new Constant(0), atom());
      }
      int start = pos;
      if (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
        while (pos < text.length()
            && (Character.isDigit(text.charAt(pos))
                || text.charAt(pos) == '.'
                || text.charAt(pos) == 'e'
                || text.charAt(pos) == 'E')) {
          pos++;
        }
        try {
          return new Constant(Double.parseDouble(text.substring(start, pos)));
        } catch (NumberFormatException e) {
          throw error("not a number: " + text.substring(start, pos));
        }
      }
      while (pos < text.length()
          && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
        pos++;
      }
      if (start == pos) {
        throw error(
            pos < text.length() ? "unexpected '" + text.charAt(pos) + "'" : "unexpected end");
      }
      return new Feature(text.substring(start, pos));
    }

    void skipSpaces() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private boolean symbol(String s) {
      skipSpaces();
      if (text.startsWith(s, pos)) {
        pos += s.length();
        return true;
      }
      return false;
    }

    private boolean keyword(String word) {
      skipSpaces();
      int end = pos + word.length();
      if (text.startsWith(word, pos)
          && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
        pos = end;
        return true;
      }
      return false;
    }

    IllegalArgumentException error(String message) {
      return new IllegalArgumentException(
          "expression '" + text + "', at " + (pos + 1) + ": " + message);
    }
  }
}
