/* test_unicode.c - the generated Unicode tables (src/unicode_tab.h).
 *
 * 1. The committed header is exactly what tools/gen_unicode.c makes from the
 *    Unicode Character Database of Debian's unicode-data package (skipped
 *    when /usr/share/unicode is absent: apt-get install unicode-data).
 * 2. Spot checks of categories and whitespace that the pre-tokenizers rely
 *    on, including the Unicode 15.1 additions llama.cpp has and Debian's
 *    15.0 lacks, and the lowercase pairs of the contraction rule. */
#include "test.h"
#include <stdint.h>

#define GEN_UNICODE_NO_MAIN
#include "../tools/gen_unicode.c"
#include "unicode_tab.h"

static unsigned uc(uint32_t cp) { return clk_uc_block[clk_uc_index[cp >> 8]][cp & 0xFF]; }

static void test_header_is_the_generators_output(void)
{
    FILE *f;
    char *gen, *committed;
    size_t gl, cl = 0;
    long n;
    f = fopen("/usr/share/unicode/UnicodeData.txt", "rb");
    if (!f) SKIP("/usr/share/unicode not installed (apt-get install unicode-data)");
    fclose(f);
    f = tmpfile();
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ(clk_gen_unicode("/usr/share/unicode", f), 0);
    n = ftell(f);
    rewind(f);
    gen = (char *)malloc((size_t)n + 1);
    gl = fread(gen, 1, (size_t)n, f);
    fclose(f);
    committed = (char *)t_slurp("src/unicode_tab.h", &cl);
    CHECK(committed != NULL);
    CHECK_MSG(committed && gl == cl && !memcmp(gen, committed, gl),
              "src/unicode_tab.h differs from the generator's output (%zu vs %zu bytes): regenerate it", cl, gl);
    free(gen);
    free(committed);
}

static void test_categories_and_whitespace(void)
{
    enum { UNDEF = 0, NUM = 1, LET = 2, SEP = 3, MARK = 4, PUNCT = 5, SYM = 6, CTRL = 7, WS = 8 };
    CHECK_EQ(uc('A'), LET);
    CHECK_EQ(uc('7'), NUM);
    CHECK_EQ(uc(' '), SEP | WS);
    CHECK_EQ(uc('\n'), CTRL | WS);
    CHECK_EQ(uc(0x85), CTRL | WS);   /* NEL */
    CHECK_EQ(uc(0xA0), SEP | WS);    /* NBSP */
    CHECK_EQ(uc(0x200B), CTRL);      /* zero width space: Cf, not whitespace */
    CHECK_EQ(uc(0x3000), SEP | WS);  /* ideographic space */
    CHECK_EQ(uc(0x2028), SEP | WS);
    CHECK_EQ(uc('$'), SYM);
    CHECK_EQ(uc('!'), PUNCT);
    CHECK_EQ(uc(0x0301), MARK);      /* combining acute */
    CHECK_EQ(uc(0x064E), MARK);      /* Arabic fatha */
    CHECK_EQ(uc(0x05B8), MARK);      /* Hebrew qamats */
    CHECK_EQ(uc(0x0640), LET);       /* Arabic tatweel: Lm */
    CHECK_EQ(uc(0x0663), NUM);       /* Arabic-Indic three */
    CHECK_EQ(uc(0xFF11), NUM);       /* full-width one */
    CHECK_EQ(uc(0x00B2), NUM);       /* superscript two: No */
    CHECK_EQ(uc(0x4E2D), LET);
    CHECK_EQ(uc(0x30FC), LET);       /* katakana prolonged sound mark: Lm */
    CHECK_EQ(uc(0x3002), PUNCT);     /* ideographic full stop */
    CHECK_EQ(uc(0x1F600), SYM);      /* emoji */
    CHECK_EQ(uc(0xE000), CTRL);      /* private use */
    CHECK_EQ(uc(0xD800), CTRL);      /* surrogate */
    CHECK_EQ(uc(0x0378), UNDEF);     /* unassigned */
    CHECK_EQ(uc(0xFFFF), UNDEF);     /* noncharacter */
    CHECK_EQ(uc(0x10FFFF), UNDEF);
    CHECK_EQ(uc(0x2EBF0), LET);      /* CJK Extension I (Unicode 15.1) */
    CHECK_EQ(uc(0x2EE5D), LET);
    CHECK_EQ(uc(0x2EE5E), UNDEF);
    CHECK_EQ(uc(0x31EF), SYM);       /* Unicode 15.1 */
    CHECK_EQ(uc(0x2FFC), SYM);
}

static void test_lowercase_pairs(void)
{
    int i, sorted = 1, ascii_targets = 0;
    for (i = 1; i < CLK_UC_NLOWER; i++)
        if (clk_uc_lower[i - 1][0] >= clk_uc_lower[i][0]) sorted = 0;
    CHECK(sorted);
    for (i = 0; i < CLK_UC_NLOWER; i++)
        if (clk_uc_lower[i][1] < 0x80) ascii_targets++;
    CHECK_EQ(ascii_targets, 28); /* A-Z, U+0130 -> i, U+212A KELVIN -> k */
    CHECK_EQ(CLK_UC_NLOWER, 1433);
}

int main(int argc, char **argv)
{
    TEST_INIT(argc, argv);
    RUN(test_header_is_the_generators_output);
    RUN(test_categories_and_whitespace);
    RUN(test_lowercase_pairs);
    return TEST_DONE();
}
