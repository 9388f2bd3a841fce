#!/usr/bin/env bash
# A TrueType CJK font for PDF documents (list pre-notifications): ReportLab cannot embed Noto CJK's CFF
# outlines, so install WenQuanYi Zen Hei (TrueType). Without it the notices fall back to the built-in
# CID font STSong-Light (not embedded). See src/xinyong/lists/notice.py.
set -euo pipefail
if [ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q fonts-wqy-zenhei
else
  echo "install a TrueType CJK font (e.g. fonts-wqy-zenhei) or set XINYONG_PDF_FONT" >&2
fi
