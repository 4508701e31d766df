/*
 * gen_unicode.c - writes src/unicode_tab.h, the Unicode tables the tokenizer
 * needs, from the Unicode Character Database files of Debian's unicode-data
 * package:
 *
 *     apt-get install -y unicode-data
 *     make tools
 *     build/<target>/tools/gen_unicode /usr/share/unicode > src/unicode_tab.h
 *
 * What it reads (DIR defaults to /usr/share/unicode):
 *   UnicodeData.txt   field 2 = General_Category, field 13 = simple lowercase
 *                     mapping; "<..., First>" / "<..., Last>" pairs are ranges
 *   PropList.txt      the White_Space property
 *   ReadMe.txt        only to record the Unicode version in the output
 *
 * What it writes: one flag byte per code point, U+0000..U+10FFFF, stored as
 * a two-stage table (a block index per 256 code points, then the distinct
 * 256-byte blocks; 148 distinct blocks for Unicode 15.1), and the sorted
 * lowercase pairs. The flag byte is the category class the byte-level BPE
 * pre-tokenizers test (\p{L}, \p{N}, ...) plus a whitespace bit, as llama.cpp
 * defines them (every General_Category maps to exactly one class; Cn, the
 * unassigned code points, is "undefined").
 *
 * Unicode version: llama.cpp 34af94cd (the reference for clika's tokenizer)
 * was generated from Unicode 15.1; Debian bookworm ships 15.0. Unicode 15.1
 * assigned exactly these code points (Unicode 15.1.0 release, DerivedAge):
 *     U+2FFC..U+2FFF   ideographic description characters   So
 *     U+31EF           CJK stroke HXG                          So
 *     U+2EBF0..U+2EE5D CJK Unified Ideographs Extension I      Lo
 * When the input is 15.0 (U+31EF unassigned) they are added, so that the
 * table equals llama.cpp's. A newer input is used as it is, with a warning:
 * code points assigned after 15.1 would then differ from llama.cpp.
 *
 * Built with `#define GEN_UNICODE_NO_MAIN` the file is a library of one
 * function, clk_gen_unicode(), which tests/test_unicode.c uses to check that
 * the committed header is exactly what this program makes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GU_NCP 0x110000u
#define GU_BLOCK 256u
#define GU_NBLOCKS (GU_NCP / GU_BLOCK)
#define GU_MAX_LOWER 4096

/* Flag byte layout (kept in sync with the text written below). */
enum {
    GU_UNDEF = 0, GU_NUMBER = 1, GU_LETTER = 2, GU_SEPARATOR = 3,
    GU_MARK = 4, GU_PUNCT = 5, GU_SYMBOL = 6, GU_CONTROL = 7,
    GU_SPACE = 8
};

static int category_class(const char *gc)
{
    switch (gc[0]) {
    case 'L': return GU_LETTER;
    case 'M': return GU_MARK;
    case 'N': return GU_NUMBER;
    case 'P': return GU_PUNCT;
    case 'S': return GU_SYMBOL;
    case 'Z': return GU_SEPARATOR;
    case 'C': return gc[1] == 'n' ? GU_UNDEF : GU_CONTROL;
    default: return -1;
    }
}

/* Split a line at ';' into at most n fields (in place). */
static int split_fields(char *line, char **f, int n)
{
    int k = 0;
    char *p = line;
    while (k < n) {
        f[k++] = p;
        p = strchr(p, ';');
        if (!p) break;
        *p++ = 0;
    }
    return k;
}

static FILE *open_in(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return fopen(path, "rb");
}

/* Generate the header from the UCD files in `dir` onto `out`. Returns 0 on
 * success, else prints why on stderr and returns 1. */
int clk_gen_unicode(const char *dir, FILE *out);

int clk_gen_unicode(const char *dir, FILE *out)
{
    static unsigned char flag[GU_NCP];
    static unsigned char blocks[GU_NBLOCKS][GU_BLOCK];
    static unsigned char index[GU_NBLOCKS];
    static unsigned long lower[GU_MAX_LOWER][2];
    char line[1024], version[64] = "unknown";
    unsigned long first = 0, cp, lo, hi, c;
    int in_range = 0, n_lower = 0, n_blocks = 0, added_151 = 0;
    unsigned b, i;
    FILE *f;

    memset(flag, GU_UNDEF, sizeof flag);

    f = open_in(dir, "UnicodeData.txt");
    if (!f) {
        fprintf(stderr, "gen_unicode: cannot open %s/UnicodeData.txt (apt-get install -y unicode-data)\n", dir);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        char *fld[15];
        int cls;
        if (split_fields(line, fld, 15) < 14) continue;
        cp = strtoul(fld[0], NULL, 16);
        cls = category_class(fld[2]);
        if (cp >= GU_NCP || cls < 0) {
            fprintf(stderr, "gen_unicode: bad UnicodeData line for %s\n", fld[0]);
            fclose(f);
            return 1;
        }
        if (strstr(fld[1], ", First>")) {
            first = cp;
            in_range = 1;
            continue;
        }
        if (in_range && strstr(fld[1], ", Last>")) {
            for (c = first; c < cp; c++) flag[c] = (unsigned char)cls;
        }
        in_range = 0;
        flag[cp] = (unsigned char)cls;
        lo = strtoul(fld[13], NULL, 16);
        if (fld[13][0] && lo != cp) {
            if (n_lower == GU_MAX_LOWER) {
                fprintf(stderr, "gen_unicode: more than %d lowercase pairs\n", GU_MAX_LOWER);
                fclose(f);
                return 1;
            }
            lower[n_lower][0] = cp;
            lower[n_lower][1] = lo;
            n_lower++;
        }
    }
    fclose(f);

    /* Unicode 15.1 additions (see the top of this file). */
    if (flag[0x31EF] == GU_UNDEF) {
        for (c = 0x2FFC; c <= 0x2FFF; c++) flag[c] = GU_SYMBOL;
        flag[0x31EF] = GU_SYMBOL;
        for (c = 0x2EBF0; c <= 0x2EE5D; c++) flag[c] = GU_LETTER;
        added_151 = 1;
    }

    f = open_in(dir, "PropList.txt");
    if (!f) {
        fprintf(stderr, "gen_unicode: cannot open %s/PropList.txt\n", dir);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        char *semi = strchr(line, ';'), *dots;
        if (line[0] == '#' || !semi || !strstr(semi, "White_Space")) continue;
        if (strncmp(semi + 1, " White_Space", 12) != 0) continue; /* not Pattern_White_Space */
        lo = strtoul(line, NULL, 16);
        dots = strstr(line, "..");
        hi = dots && dots < semi ? strtoul(dots + 2, NULL, 16) : lo;
        for (c = lo; c <= hi && c < GU_NCP; c++) flag[c] |= GU_SPACE;
    }
    fclose(f);

    f = open_in(dir, "ReadMe.txt");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            char *v = strstr(line, "for Version ");
            if (v) {
                sscanf(v + 12, "%63[0-9.]", version);
                break;
            }
        }
        fclose(f);
    }
    {
        int major = 0, minor = 0;
        sscanf(version, "%d.%d", &major, &minor);
        if (major > 15 || (major == 15 && minor > 1))
            fprintf(stderr, "gen_unicode: warning: Unicode %s is newer than llama.cpp's 15.1: code points "
                            "assigned since then will not tokenize like llama.cpp\n", version);
    }

    /* Two-stage table: identical 256-code-point blocks are stored once. */
    for (b = 0; b < GU_NBLOCKS; b++) {
        int k;
        for (k = 0; k < n_blocks; k++)
            if (!memcmp(blocks[k], flag + (size_t)b * GU_BLOCK, GU_BLOCK)) break;
        if (k == n_blocks) {
            if (n_blocks == 256) {
                fprintf(stderr, "gen_unicode: more than 256 distinct blocks\n");
                return 1;
            }
            memcpy(blocks[k], flag + (size_t)b * GU_BLOCK, GU_BLOCK);
            n_blocks++;
        }
        index[b] = (unsigned char)k;
    }

    fprintf(out,
            "/*\n"
            " * unicode_tab.h - GENERATED by tools/gen_unicode.c; do not edit.\n"
            " *\n"
            " * Source: Unicode Character Database %s (Debian package unicode-data:\n"
            " * UnicodeData.txt, PropList.txt)%s.\n"
            " * Regenerate:\n"
            " *     apt-get install -y unicode-data && make tools\n"
            " *     build/<target>/tools/gen_unicode /usr/share/unicode > src/unicode_tab.h\n"
            " * tests/test_unicode.c checks that this file is exactly that output.\n"
            " *\n"
            " * clk_uc_flag(cp) = clk_uc_block[clk_uc_index[cp >> 8]][cp & 0xFF], for\n"
            " * cp <= 0x10FFFF. The flag byte: bits 0-2 the category class of the\n"
            " * General_Category (0 undefined = Cn, 1 number N*, 2 letter L*,\n"
            " * 3 separator Z*, 4 mark M*, 5 punctuation P*, 6 symbol S*, 7 control\n"
            " * Cc/Cf/Co/Cs), bit 3 (8) the White_Space property.\n"
            " * clk_uc_lower: (code point, simple lowercase mapping), sorted.\n"
            " * Included by src/tokenizer.c only.\n"
            " */\n"
            "#ifndef CLK_UNICODE_TAB_H\n"
            "#define CLK_UNICODE_TAB_H\n\n"
            "#define CLK_UC_NBLOCKS %d\n"
            "#define CLK_UC_NLOWER %d\n\n",
            version, added_151 ? " + the Unicode 15.1 assignments (U+2FFC..2FFF, U+31EF, U+2EBF0..2EE5D)" : "",
            n_blocks, n_lower);

    fprintf(out, "static const unsigned char clk_uc_index[%u] = {", GU_NBLOCKS);
    for (b = 0; b < GU_NBLOCKS; b++) fprintf(out, "%s%u,", b % 24 ? "" : "\n", index[b]);
    fprintf(out, "\n};\n\n");

    fprintf(out, "static const unsigned char clk_uc_block[CLK_UC_NBLOCKS][256] = {\n");
    for (b = 0; b < (unsigned)n_blocks; b++) {
        fprintf(out, "{");
        for (i = 0; i < GU_BLOCK; i++) fprintf(out, "%s%u,", i % 32 ? "" : "\n", blocks[b][i]);
        fprintf(out, "\n},\n");
    }
    fprintf(out, "};\n\n");

    fprintf(out, "static const unsigned int clk_uc_lower[CLK_UC_NLOWER][2] = {");
    for (i = 0; i < (unsigned)n_lower; i++)
        fprintf(out, "%s{0x%lX,0x%lX},", i % 6 ? "" : "\n", lower[i][0], lower[i][1]);
    fprintf(out, "\n};\n\n#endif /* CLK_UNICODE_TAB_H */\n");
    return ferror(out) ? 1 : 0;
}

#ifndef GEN_UNICODE_NO_MAIN
int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: gen_unicode [UCD_DIR] > src/unicode_tab.h  (UCD_DIR: /usr/share/unicode)\n");
        return 2;
    }
    return clk_gen_unicode(argc == 2 ? argv[1] : "/usr/share/unicode", stdout);
}
#endif
