// ncursesw with wide-character and extended-colour APIs; the attribute macros are wrapped in
// functions because Swift cannot import NCURSES_BITS-style macros.
#ifndef MLTUI_NCURSES_SHIM_H
#define MLTUI_NCURSES_SHIM_H
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static inline attr_t mltui_a_normal(void) { return A_NORMAL; }
static inline attr_t mltui_a_bold(void) { return A_BOLD; }
static inline attr_t mltui_a_dim(void) { return A_DIM; }
static inline attr_t mltui_a_underline(void) { return A_UNDERLINE; }
static inline attr_t mltui_a_reverse(void) { return A_REVERSE; }
static inline attr_t mltui_a_italic(void) { return A_ITALIC; }

/// Sets attributes and an extended colour pair (pairs above 32767 need the opts pointer).
static inline int mltui_set_attr(attr_t attrs, int pair) {
    return attr_set(attrs, (short)(pair > 32767 ? 0 : pair), &pair);
}
// C globals are shared mutable state to Swift 6; the UI thread reads them through these.
static inline WINDOW *mltui_stdscr(void) { return stdscr; }
static inline int mltui_write_stdout(const char *text) { int r = fputs(text, stdout); fflush(stdout); return r; }
static inline int mltui_lines(void) { return LINES; }
static inline int mltui_cols(void) { return COLS; }
static inline int mltui_colors(void) { return COLORS; }
static inline int mltui_color_pairs(void) { return COLOR_PAIRS; }
static inline mmask_t mltui_mouse_mask(void) { return BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED; }
static inline int mltui_mouse_event(int *x, int *y, int *wheel) {
    MEVENT ev;
    if (getmouse(&ev) != OK) return 0;
    *x = ev.x; *y = ev.y;
    *wheel = (ev.bstate & BUTTON4_PRESSED) ? -1 : (ev.bstate & BUTTON5_PRESSED) ? 1 : 0;
    return 1;
}
/// What terminfo says of `term` without touching the screen (for `mltui doctor` and the check
/// before the UI starts): 1 found; 0 unknown, generic ("dumb") or hardcopy; -1 no terminfo
/// database. When found: its colours, whether it can address the cursor (cup) and whether it
/// reports mouse events (kmous).
static inline int mltui_terminfo(const char *term, int *colors, int *cursor_addressing, int *mouse) {
    int err = 0;
    TERMINAL *saved = cur_term;
    if (setupterm((char *)term, 1, &err) != OK) {
        // ncurses may have made (and kept) an entry it then refused, e.g. a hardcopy terminal.
        TERMINAL *made = set_curterm(saved);
        if (made != NULL && made != saved) del_curterm(made);
        return err == 1 ? 0 : err;
    }
    *colors = tigetnum("colors");
    const char *cup = tigetstr("cup");
    const char *kmous = tigetstr("kmous");
    *cursor_addressing = cup != NULL && cup != (char *)-1;
    *mouse = kmous != NULL && kmous != (char *)-1;
    del_curterm(set_curterm(saved));
    return 1;
}
#endif
