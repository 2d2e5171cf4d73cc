// CursesTerminal: the real Terminal, ncurses (wide-character build) on the
// process's stdin/stdout, which must be the controlling tty. The only file in
// sockwatch that includes curses. It owns the screen between open and
// restore(), and the promise that the terminal is put back on every way out:
// restore() (idempotent, also the destructor), exit() while open (atexit),
// and fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT: emergency
// escape strings and the saved termios, then the default action).
//
// It does not handle SIGINT/SIGTERM/SIGHUP: the app reads those from a
// signalfd and calls restore(). It must not block SIGWINCH either: ncurses
// installs its handler for it and reports the resize as KEY_RESIZE on the
// next read_key() (poll the input fd with SIGWINCH unblocked, e.g. ppoll, so
// that the signal wakes the loop).
//
// A terminal that went away (hang-up: the pty master closed, the tty revoked)
// makes the input fd readable for ever; so that the app's loop does not spin,
// read_key() then reports Key::chr(0x04) (Ctrl-D, end of input), and keeps
// reporting it, which the app treats as quit.
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "tui/terminal.hpp"

namespace sw::tui {

namespace {

// ---- what the fatal-signal path may touch: plain bytes and ints only ----

// Long enough for any real terminal's rmcup + cnorm + sgr0 + rmkx + mouse off
// (xterm's total is well under 100 bytes); a longer capability is cut, never
// overrun.
constexpr size_t kEmergencyMax = 512;
char g_emergency_seq[kEmergencyMax];
size_t g_emergency_len = 0;
int g_out_fd = -1;
int g_in_fd = -1;
struct termios g_saved_termios;
bool g_have_termios = false;
volatile sig_atomic_t g_armed = 0;

constexpr std::array<int, 5> kFatalSignals = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_old_actions[kFatalSignals.size()];

// xterm's mouse modes ncurses may have turned on (normal, button-event,
// any-event tracking and SGR coordinates): all off, whichever were used.
constexpr char kMouseOff[] = "\033[?1000l\033[?1002l\033[?1003l\033[?1006l";

void emergency_append(const char* s) {
  if (s == nullptr || s == reinterpret_cast<char*>(-1)) return;  // absent / not a string cap
  size_t n = std::strlen(s);
  if (n > kEmergencyMax - g_emergency_len) n = kEmergencyMax - g_emergency_len;
  std::memcpy(g_emergency_seq + g_emergency_len, s, n);
  g_emergency_len += n;
}

void fatal_signal_handler(int sig) {
  emergency_restore();
  // SA_RESETHAND put the default action back; the signal is blocked while we
  // run, so it is delivered (and kills with a core) as soon as we return. A
  // real fault re-executes the faulting instruction and gets there as well.
  raise(sig);
}

void install_fatal_handlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = fatal_signal_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (size_t i = 0; i < kFatalSignals.size(); ++i)
    sigaction(kFatalSignals[i], &sa, &g_old_actions[i]);
}

void uninstall_fatal_handlers() {
  for (size_t i = 0; i < kFatalSignals.size(); ++i)
    sigaction(kFatalSignals[i], &g_old_actions[i], nullptr);
}

class CursesTerminal;
CursesTerminal* g_active = nullptr;  // the one open terminal, for the atexit path
bool g_atexit_registered = false;
void restore_at_exit();

// Colour pairs: one per (fg, bg) of the Color enum that a frame uses,
// numbered in order of first use (pair 0 is the terminal's default on
// default). Not 1 + fg * 9 + bg: screen and tmux's "screen" entry have only
// 64 pairs, fewer than the 80 combinations; a frame uses a handful.
constexpr int kColors = 9;

class CursesTerminal final : public Terminal {
 public:
  CursesTerminal(SCREEN* screen, int in_fd, bool color) : screen_(screen), in_fd_(in_fd) {
    // COLORS and COLOR_PAIRS are only known once start_color() has run.
    if (color && has_colors() && start_color() == OK && COLORS >= 8 && COLOR_PAIRS > 1) {
      color_ = true;
      default_colors_ = use_default_colors() == OK;
    }
    width_ = COLS;
    height_ = LINES;
  }
  ~CursesTerminal() override {
    restore();
    // After endwin: frees the screen (and keeps leak checkers quiet).
    delscreen(screen_);
  }

  int width() const override { return open_ ? COLS : width_; }
  int height() const override { return open_ ? LINES : height_; }

  void draw(const Frame& f) override;
  std::optional<Key> read_key() override;
  int input_fd() const override { return in_fd_; }
  void restore() override;

 private:
  void set_attr(const Attr& a);
  std::optional<Key> translate(int rc, wint_t ch);

  SCREEN* screen_;
  int in_fd_;
  bool open_ = true;
  bool color_ = false;
  bool default_colors_ = false;
  bool hung_up_ = false;
  int cursor_visible_ = -1;  // what curs_set was last told (-1: not yet)
  int width_ = 0, height_ = 0;
  std::array<short, kColors * kColors> pair_of_{};  // 0: not made yet
  int next_pair_ = 1;
};

short curses_color(Color c, bool fg, bool default_colors) {
  switch (c) {
    case Color::Black:
      return COLOR_BLACK;
    case Color::Red:
      return COLOR_RED;
    case Color::Green:
      return COLOR_GREEN;
    case Color::Yellow:
      return COLOR_YELLOW;
    case Color::Blue:
      return COLOR_BLUE;
    case Color::Magenta:
      return COLOR_MAGENTA;
    case Color::Cyan:
      return COLOR_CYAN;
    case Color::White:
      return COLOR_WHITE;
    case Color::Default:
      break;
  }
  // -1 is "the terminal's own" once use_default_colors() succeeded; without it
  // the classic white on black stands in.
  if (default_colors) return -1;
  return fg ? COLOR_WHITE : COLOR_BLACK;
}

void CursesTerminal::set_attr(const Attr& a) {
  attr_t bits = A_NORMAL;
  if (a.bold) bits |= A_BOLD;
  if (a.reverse) bits |= A_REVERSE;
  if (a.underline) bits |= A_UNDERLINE;
  if (a.dim) bits |= A_DIM;
  short pair = 0;
  if (color_ && (a.fg != Color::Default || a.bg != Color::Default)) {
    const auto idx = static_cast<size_t>(static_cast<int>(a.fg) * kColors + static_cast<int>(a.bg));
    if (pair_of_[idx] == 0 && next_pair_ < COLOR_PAIRS &&
        init_pair(static_cast<short>(next_pair_), curses_color(a.fg, true, default_colors_),
                  curses_color(a.bg, false, default_colors_)) == OK)
      pair_of_[idx] = static_cast<short>(next_pair_++);
    pair = pair_of_[idx];  // 0 when the terminal ran out: the text still shows, uncoloured
  }
  attr_set(bits, pair, nullptr);
}

void CursesTerminal::draw(const Frame& f) {
  if (!open_) return;
  // The screen's size, not the frame's: a resize may land between layout and
  // draw, and a span past the edge must be cut here rather than wrap.
  const int cols = COLS, rows = LINES;
  erase();
  std::string blank(static_cast<size_t>(cols > 0 ? cols : 0), ' ');
  for (size_t yi = 0; yi < f.lines.size(); ++yi) {
    const int y = static_cast<int>(yi);
    if (y >= rows) break;
    const Line& line = f.lines[yi];
    if (line.fill) {
      set_attr(line.fill_attr);
      // The bottom-right cell: with scrollok off curses places it and only
      // reports that the cursor could not advance (ERR), never scrolls.
      mvaddnstr(y, 0, blank.c_str(), cols);
    }
    for (const Span& s : line.spans) {
      if (s.x < 0 || s.x >= cols || s.text.empty()) continue;
      std::string_view fit = fit_width(s.text, cols - s.x);
      if (fit.empty()) continue;
      set_attr(s.attr);
      // UTF-8 goes in as bytes: ncursesw assembles the characters by the
      // locale (the app set LC_ALL from the environment before opening).
      mvaddnstr(y, s.x, fit.data(), static_cast<int>(fit.size()));
    }
  }
  attr_set(A_NORMAL, 0, nullptr);
  const bool show = f.cursor_y >= 0 && f.cursor_y < rows && f.cursor_x >= 0 && f.cursor_x < cols;
  if (show) move(f.cursor_y, f.cursor_x);
  leaveok(stdscr, show ? FALSE : TRUE);
  if (cursor_visible_ != (show ? 1 : 0)) {
    curs_set(show ? 1 : 0);
    cursor_visible_ = show ? 1 : 0;
  }
  wnoutrefresh(stdscr);
  doupdate();
}

std::optional<Key> CursesTerminal::read_key() {
  if (!open_) return std::nullopt;
  if (hung_up_) return Key::chr(0x04);
  int readable_but_empty = 0;
  // Keys curses decodes but top has no use for (KEY_IC, a mouse button's
  // release...) are skipped; the bound keeps a flood from holding the caller.
  for (int spins = 0; spins < 64; ++spins) {
    wint_t ch = 0;
    errno = 0;
    const int rc = get_wch(&ch);
    if (rc != ERR) {
      if (auto k = translate(rc, ch)) return k;
      continue;
    }
    // "Nothing": either nothing is waiting, or the tty is gone. A hung-up tty
    // reads as EIO or end of file and polls as POLLHUP (and readable) for
    // ever, which would make the caller's poll loop spin.
    const bool eio = errno == EIO;
    struct pollfd p = {in_fd_, POLLIN, 0};
    const int ready = poll(&p, 1, 0);
    if (eio || (ready > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))) {
      hung_up_ = true;
      return Key::chr(0x04);
    }
    if (ready <= 0 || !(p.revents & POLLIN)) return std::nullopt;
    // Readable, yet curses found nothing: a byte that arrived just now (the
    // next call takes it) or read() returning 0, end of file (twice in a row).
    if (++readable_but_empty >= 2) {
      hung_up_ = true;
      return Key::chr(0x04);
    }
  }
  return std::nullopt;
}

std::optional<Key> CursesTerminal::translate(int rc, wint_t ch) {
  using K = Key::Kind;
  if (rc == OK) {
    switch (ch) {
      case L'\r':
      case L'\n':
        return Key::of(K::Enter);
      case L'\t':
        return Key::of(K::Tab);
      case 27:
        return Key::of(K::Escape);  // lone: ESCDELAY passed with nothing after it
      case 127:
      case 8:
        return Key::of(K::Backspace);
      default:
        return Key::chr(static_cast<char32_t>(ch));
    }
  }
  // rc == KEY_CODE_YES: a function key.
  const int code = static_cast<int>(ch);
  if (code >= KEY_F(1) && code <= KEY_F(10))
    return Key::of(static_cast<K>(static_cast<int>(K::F1) + (code - KEY_F(1))));
  switch (code) {
    case KEY_UP:
      return Key::of(K::Up);
    case KEY_DOWN:
      return Key::of(K::Down);
    case KEY_LEFT:
      return Key::of(K::Left);
    case KEY_RIGHT:
      return Key::of(K::Right);
    case KEY_PPAGE:
      return Key::of(K::PageUp);
    case KEY_NPAGE:
      return Key::of(K::PageDown);
    case KEY_HOME:
    case KEY_FIND:  // Home on terminals that send the VT220 "Find" key
    case KEY_A1:
      return Key::of(K::Home);
    case KEY_END:
    case KEY_SELECT:  // End as the VT220 "Select" key
    case KEY_C1:
      return Key::of(K::End);
    case KEY_ENTER:
      return Key::of(K::Enter);
    case KEY_BACKSPACE:
      return Key::of(K::Backspace);
    case KEY_DC:
      return Key::of(K::Delete);
    case KEY_BTAB:
      return Key::of(K::BackTab);
    case KEY_RESIZE:
      // curses has already resized stdscr: width()/height() answer the new size.
      width_ = COLS;
      height_ = LINES;
      return Key::of(K::Resize);
    case KEY_MOUSE: {
      MEVENT ev;
      if (getmouse(&ev) != OK) return std::nullopt;
      Key k = Key::of(K::Mouse);
      k.x = ev.x;
      k.y = ev.y;
      const mmask_t b = ev.bstate;
      if (b & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED))
        k.button = Key::Button::Left;
      else if (b & (BUTTON3_PRESSED | BUTTON3_CLICKED))
        k.button = Key::Button::Right;
      else if (b & (BUTTON2_PRESSED | BUTTON2_CLICKED))
        k.button = Key::Button::Middle;
      else if (b & BUTTON4_PRESSED)
        k.button = Key::Button::WheelUp;
      else if (b & BUTTON5_PRESSED)
        k.button = Key::Button::WheelDown;
      else
        return std::nullopt;  // a release, or motion: nothing top acts on
      return k;
    }
    default:
      return std::nullopt;
  }
}

void CursesTerminal::restore() {
  if (!open_) return;
  open_ = false;
  width_ = COLS;
  height_ = LINES;
  g_armed = 0;
  mousemask(0, nullptr);
  endwin();  // also shows the cursor, leaves keypad mode and the alternate screen
  uninstall_fatal_handlers();
  if (g_active == this) g_active = nullptr;
}

void restore_at_exit() {
  if (g_active != nullptr) g_active->restore();
}

}  // namespace

void emergency_restore() noexcept {
  if (!g_armed) return;
  g_armed = 0;
  if (g_out_fd >= 0) {
    size_t off = 0;
    while (off < g_emergency_len) {
      ssize_t n = write(g_out_fd, g_emergency_seq + off, g_emergency_len - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  }
  if (g_have_termios && g_in_fd >= 0) tcsetattr(g_in_fd, TCSANOW, &g_saved_termios);
}

Expected<std::unique_ptr<Terminal>> open_curses_terminal(const TerminalOptions& opt) {
  if (g_active != nullptr) return Error{"terminal: already open", 0};
  const int in_fd = fileno(stdin);
  const int out_fd = fileno(stdout);
  if (in_fd < 0 || !isatty(in_fd))
    return Error{"terminal: standard input is not a terminal", ENOTTY};
  if (out_fd < 0 || !isatty(out_fd))
    return Error{"terminal: standard output is not a terminal", ENOTTY};

  // Before curses changes anything: the mode the fatal-signal path puts back.
  g_have_termios = tcgetattr(in_fd, &g_saved_termios) == 0;

  // newterm, not initscr: initscr prints and exits when the terminal type is
  // unknown; newterm returns NULL and we report it.
  SCREEN* screen = newterm(nullptr, stdout, stdin);
  if (screen == nullptr)
    return Error{
        "terminal: cannot start curses: no usable terminfo entry for this terminal "
        "type (TERM unset, unknown, or a dumb/hardcopy terminal)",
        0};
  set_term(screen);

  cbreak();  // keys one by one; ISIG stays, so Ctrl-C is still SIGINT for the app
  noecho();
  nonl();
  intrflush(stdscr, FALSE);
  keypad(stdscr, TRUE);
  nodelay(stdscr, TRUE);
  scrollok(stdscr, FALSE);
  set_escdelay(25);  // a lone Esc closes a prompt without a visible lag
  // Ctrl-S / Ctrl-Q are keys for us, not flow control that freezes the screen.
  struct termios t;
  if (tcgetattr(in_fd, &t) == 0) {
    t.c_iflag &= ~static_cast<tcflag_t>(IXON);
    tcsetattr(in_fd, TCSANOW, &t);
    def_prog_mode();  // curses' idea of "program mode" includes the change
  }
  if (opt.mouse) {
    // Presses only: with mouseinterval(0) curses reports them at once instead
    // of waiting to see whether a release makes a click.
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON2_PRESSED | BUTTON3_PRESSED |
                  BUTTON3_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED,
              nullptr);
    mouseinterval(0);
  }
  curs_set(0);

  auto term = std::make_unique<CursesTerminal>(screen, in_fd, opt.color);

  // The emergency strings, from terminfo now (a signal handler may not ask).
  g_emergency_len = 0;
  emergency_append(kMouseOff);
  emergency_append(tigetstr("sgr0"));
  emergency_append(tigetstr("rmkx"));
  emergency_append(tigetstr("rmcup"));
  emergency_append(tigetstr("cnorm"));
  g_out_fd = out_fd;
  g_in_fd = in_fd;
  install_fatal_handlers();
  g_armed = 1;

  g_active = term.get();
  if (!g_atexit_registered) {
    std::atexit(restore_at_exit);
    g_atexit_registered = true;
  }
  return std::unique_ptr<Terminal>(std::move(term));
}

}  // namespace sw::tui
