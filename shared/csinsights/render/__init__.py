"""The daily insights report as a page a seller opens: words for every figure
(`words.py`), inline SVG trend charts (`charts.py`) and the page itself (`html.py`)."""
