// curses_smoke: drives the real CursesTerminal for curses_smoke_test.sh, which
// runs it inside tmux and reads the screen back. It draws one frame (a
// coloured span, a reversed full-width bar, UTF-8, escaped hostile text, a
// reversed status line in the bottom row), then shows "key: <what>" on line 2
// for every key until 'q', restores and prints "restored".
//   --crash     raise SIGSEGV after the first draw (the fatal-signal restore)
//   --exit      std::exit(3) after the first draw, still open (the atexit restore)
//   --mono      TerminalOptions::color = false
//   --cursor    frames show the cursor at column 3 of line 2
//   --hup FILE  ignore SIGHUP, so that a hang-up reaches read_key; on end of
//               input (Ctrl-D, which is how it reports a hang-up) write "eof"
//               to FILE; Ctrl-D exits 0 either way
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/escape.hpp"
#include "tui/terminal.hpp"

using sw::tui::Attr;
using sw::tui::Color;
using sw::tui::Frame;
using sw::tui::Key;

namespace {

const char* kind_name(Key::Kind k) {
  using K = Key::Kind;
  switch (k) {
    case K::Char:
      return "Char";
    case K::Up:
      return "Up";
    case K::Down:
      return "Down";
    case K::Left:
      return "Left";
    case K::Right:
      return "Right";
    case K::PageUp:
      return "PageUp";
    case K::PageDown:
      return "PageDown";
    case K::Home:
      return "Home";
    case K::End:
      return "End";
    case K::Enter:
      return "Enter";
    case K::Escape:
      return "Escape";
    case K::Backspace:
      return "Backspace";
    case K::Delete:
      return "Delete";
    case K::Tab:
      return "Tab";
    case K::BackTab:
      return "BackTab";
    case K::F1:
      return "F1";
    case K::F2:
      return "F2";
    case K::F3:
      return "F3";
    case K::F4:
      return "F4";
    case K::F5:
      return "F5";
    case K::F6:
      return "F6";
    case K::F7:
      return "F7";
    case K::F8:
      return "F8";
    case K::F9:
      return "F9";
    case K::F10:
      return "F10";
    case K::Mouse:
      return "Mouse";
    case K::Resize:
      return "Resize";
  }
  return "?";
}

std::string describe(const Key& k, const sw::tui::Terminal& t) {
  std::string s = kind_name(k.kind);
  if (k.kind == Key::Kind::Char) {
    char buf[32];
    if (k.ch >= 0x20 && k.ch < 0x7f)
      std::snprintf(buf, sizeof buf, " '%c'", static_cast<char>(k.ch));
    else
      std::snprintf(buf, sizeof buf, " U+%04X", static_cast<unsigned>(k.ch));
    s += buf;
  } else if (k.kind == Key::Kind::Resize) {
    s += " " + std::to_string(t.width()) + "x" + std::to_string(t.height());
  } else if (k.kind == Key::Kind::Mouse) {
    static const char* const kButtons[] = {"None",   "Left",    "Right",
                                           "Middle", "WheelUp", "WheelDown"};
    s += std::string(" ") + kButtons[static_cast<int>(k.button)] + " at " + std::to_string(k.x) +
         "," + std::to_string(k.y);
  }
  return s;
}

Frame make_frame(int w, int h, const std::string& last_key, int nkeys, bool cursor) {
  Frame f(w, h);
  if (cursor) {
    f.cursor_x = 3;
    f.cursor_y = 2;
  }
  Attr title;
  title.fg = Color::Green;
  title.bold = true;
  f.put(0, 0, "sockwatch curses smoke", title);
  f.put(0, 24, "caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97");  // "café 漢字"
  Attr bar;
  bar.reverse = true;
  f.put(1, 0, "SELECTED ROW", bar);
  f.lines[1].fill = true;
  f.lines[1].fill_attr = bar;
  f.put(2, 0, "key: " + last_key + " (#" + std::to_string(nkeys) + ")");
  std::string hostile;
  sw::append_escaped(hostile, "evil\x1b[31mred\x07");
  f.put(3, 0, "name: " + hostile);
  f.put(4, 0, "size: " + std::to_string(w) + "x" + std::to_string(h));
  // The bottom row as a full-width bar: the cell curses must not scroll from.
  if (h >= 6) {
    f.put(h - 1, 0, "status: press q to quit", bar);
    f.lines[static_cast<size_t>(h - 1)].fill = true;
    f.lines[static_cast<size_t>(h - 1)].fill_attr = bar;
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  bool crash = false, exit_open = false, mono = false, cursor = false;
  const char* hup_file = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--crash") == 0) {
      crash = true;
    } else if (std::strcmp(argv[i], "--exit") == 0) {
      exit_open = true;
    } else if (std::strcmp(argv[i], "--mono") == 0) {
      mono = true;
    } else if (std::strcmp(argv[i], "--cursor") == 0) {
      cursor = true;
    } else if (std::strcmp(argv[i], "--hup") == 0 && i + 1 < argc) {
      hup_file = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--crash|--exit] [--mono] [--cursor] [--hup FILE]\n",
                   argv[0]);
      return 2;
    }
  }
  std::setlocale(LC_ALL, "");
  if (hup_file) signal(SIGHUP, SIG_IGN);

  sw::tui::TerminalOptions opt;
  opt.color = !mono;
  auto opened = sw::tui::open_curses_terminal(opt);
  if (!opened) {
    std::fprintf(stderr, "curses_smoke: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& term = *opened.value();

  // SIGWINCH stays blocked except inside ppoll: curses' handler then runs
  // there (EINTR), and the next read_key reports the resize; no window in
  // which a resize waits for the next key.
  sigset_t winch, waitmask;
  sigemptyset(&winch);
  sigaddset(&winch, SIGWINCH);
  sigprocmask(SIG_BLOCK, &winch, &waitmask);
  sigdelset(&waitmask, SIGWINCH);

  std::string last = "none";
  int nkeys = 0;
  term.draw(make_frame(term.width(), term.height(), last, nkeys, cursor));
  if (crash) raise(SIGSEGV);
  if (exit_open) std::exit(3);

  bool quit = false;
  while (!quit) {
    while (auto k = term.read_key()) {
      if (k->is(U'q')) {
        quit = true;
        break;
      }
      if (k->is(0x04)) {  // end of input (typed, or the terminal hung up): quit
        term.restore();
        if (hup_file) {
          if (FILE* out = std::fopen(hup_file, "w")) {
            std::fputs("eof\n", out);
            std::fclose(out);
          }
        }
        return 0;
      }
      last = describe(*k, term);
      ++nkeys;
      term.draw(make_frame(term.width(), term.height(), last, nkeys, cursor));
    }
    if (quit) break;
    struct pollfd p = {term.input_fd(), POLLIN, 0};
    if (ppoll(&p, 1, nullptr, &waitmask) < 0 && errno != EINTR) break;
  }
  term.restore();
  std::printf("restored\n");
  return 0;
}
