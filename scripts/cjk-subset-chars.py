#!/usr/bin/env python3
"""Prints the characters of the bundled CJK font subset (assets/fonts/README.md): GB 2312
level 1, JIS X 0208 level 1, kana, CJK punctuation and full-width forms."""
chars = set()
for b1 in range(0xB0, 0xD8):
    for b2 in range(0xA1, 0xFF):
        try:
            chars.add(bytes([b1, b2]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for b1 in range(0x88, 0x99):
    for b2 in list(range(0x40, 0x7F)) + list(range(0x80, 0xFD)):
        try:
            chars.add(bytes([b1, b2]).decode("shift_jis"))
        except UnicodeDecodeError:
            pass
for lo, hi in [(0x3000, 0x303F), (0x3040, 0x309F), (0x30A0, 0x30FF), (0xFF00, 0xFFEF)]:
    chars.update(chr(c) for c in range(lo, hi + 1))
print("".join(sorted(chars)))
