"""Sphinx configuration of the safetax site (MyST-NB + sphinx-book-theme), used by `docs/build.py`.

The source folder is staged by `docs/build.py`; notebooks are never executed here (`nb_execution_mode =
'off'`): the experiment pages show the outputs of the last `reproduce` run, the library pages the sources.
"""
import configparser, re
from pathlib import Path

_cfg = configparser.ConfigParser(delimiters=['='])
_cfg.read(Path(__file__).resolve().parent.parent/'settings.ini')
_s = _cfg['DEFAULT']

project = _s['title']
author = _s['author']
copyright = _s['copyright']
release = version = _s['version']

extensions = ['myst_nb', 'sphinx.ext.autodoc']
exclude_patterns = ['.doctrees', '**/.ipynb_checkpoints']

# notebooks: show what the run produced, never run them again
nb_execution_mode = 'off'
nb_output_stderr = 'remove'       # progress bars and library warnings of the run: noise on a page
nb_merge_streams = True
myst_enable_extensions = ['colon_fence']  # no dollarmath: the prose has `$SAFETAX_...` variables, not math
myst_heading_anchors = 3
suppress_warnings = ['myst.header']  # notebooks start sections at whatever level reads best in Jupyter

# API reference from the exported modules' docstrings
autodoc_member_order = 'bysource'
autodoc_typehints = 'signature'
autodoc_default_options = {'members': True}

html_theme = 'sphinx_book_theme'
html_title = project
html_static_path = ['_static']
html_css_files = ['safetax.css']
html_favicon = '_static/favicon.svg'  # else browsers ask for /favicon.ico, a 404 in the console
html_context = {'default_mode': 'light'}   # else the theme logs "invalid theme mode" on a first visit
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    'show_toc_level': 2,
    'use_download_button': False,
    'use_fullscreen_button': False,
    'home_page_in_toc': True,
}

_code = re.compile(r'(?<![`\w])`([^`\n]+)`(?![`\w])')

def _literal_backticks(app, what, name, obj, options, lines):
    "Docstrings are written for notebooks (Markdown): `x` means code, which reST spells ``x``."
    lines[:] = [_code.sub(r'``\1``', l) for l in lines]

def setup(app):
    app.connect('autodoc-process-docstring', _literal_backticks)
