"""What a run produces for people: the verdict table, JSON, the Markdown and LaTeX report, the pictures.

* :mod:`~pgverify.output.report` — table, JSON, Markdown and LaTeX of a run;
* :mod:`~pgverify.output.tex` — running text and long equations made fit for pdflatex;
* :mod:`~pgverify.output.annotate` — a document written back with each display's verdict (Markdown, HTML);
* :mod:`~pgverify.output.page` — the annotated HTML page: the prose rendered, each display with its badge, its
  verdict in words, its failing step and its counterexample's tables (``render_page``, ``render_display``);
* :mod:`~pgverify.output.words` — each verdict's one-line summary in words (``summary``) and a counterexample's
  tables (``ce_tables``), shared by the table, the JSON, the page and the report;
* :mod:`~pgverify.output.docs` — writes ``docs/report.md`` and ``docs/report.tex``;
* :mod:`~pgverify.output.plot_vpg` and :mod:`~pgverify.output.plot_dpg` — the report's pictures
  (the ``plot`` extra).
"""
