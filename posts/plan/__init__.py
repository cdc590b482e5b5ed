"""A plan document (Kế hoạch) read into facts, and the facts into a draft campaign file (``loa campaign draft``).

The path of a plan: ``reading`` (DOCX/PDF/TXT/MD → numbered, cleaned lines) → ``extract`` (lines → ``PlanFacts``, each
fact with the line it came from) → ``week`` (facts → proposed posts) → ``draft_file`` (a campaign file with marked
placeholders for what the plan does not say). Offline and explainable: no network, no language model, and nothing
that is not in the plan is written as a fact.
"""
