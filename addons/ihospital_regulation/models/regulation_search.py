"""The regulations' Chinese search (规章制度检索): the SQL of its candidates,
kept apart from the model (models/document_page.py) and without Odoo models.

PostgreSQL's full-text parser does not split Chinese into words, so the
text is searched as text: a query of three characters or more is a
substring, served by the trigram (pg_trgm GIN) indexes of the title, the
pinyin keys, the current version's plain text (`content_text`) and the
attachments' indexed text (`ir_attachment.index_content`); a shorter one
(one or two characters: 制度, 院感) matches the start of a title or of its
pinyin, walked in a `text_pattern_ops` btree index, and titles containing
it. Every kind of match is one ordered, limited walk, all in one
`UNION ALL` query; the record rules are applied to the candidates
afterwards, by the ORM."""

from odoo.addons.ihospital_base.pinyin import normalize_query
from odoo.tools import SQL

# How many pages each kind of match examines before the record rules
# choose among them (bounds a search's cost whatever the query).
CANDIDATES = 200
# The search view's field (the back office's search box) is not limited to
# one screen of results: it examines more.
DOMAIN_CANDIDATES = 5000
# A trigram index serves substrings of three characters or more only.
SUBSTRING_MIN = 3
# Longer queries are cut (a pasted paragraph).
QUERY_MAX = 100
# The kinds of match, best first (the `match` of a result, and its rank).
KINDS = ("title", "title", "title", "pinyin", "body", "attachment")
SNIPPET_BEFORE = 20
SNIPPET_LENGTH = 80

PREFIX_COLUMNS = ("name", "pinyin_full", "pinyin_initials")


def like_escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def clean_query(query):
    """The query as searched: trimmed, its spaces collapsed, cut. Not NFKC:
    the regulations' text has full-width punctuation (，。：), which the query
    must keep to match it (the pinyin is folded by normalize_query)."""
    if not isinstance(query, str):
        return ""
    return " ".join(query.split())[:QUERY_MAX]


def branches(text):
    """[(rank, kind, SQL condition on document_page `p`, SQL order or None,
    from ir_attachment)], best first: what the search looks for, by the
    query's length and shape (Latin letters: pinyin too)."""
    if not text:
        return []
    pattern = like_escape(text)
    result = [
        (0, "title", SQL("p.name = %s", text), None, False),
        # ~<~ is the order of the text_pattern_ops index: a walk that stops at the limit
        (1, "title", SQL("p.name LIKE %s", pattern + "%"), SQL("p.name USING ~<~"), False),
        # shorter than a trigram: the titles are scanned (they are short,
        # and the walk stops at the limit)
        (2, "title", SQL("p.name ILIKE %s", "%" + pattern + "%"), None, False),
    ]
    query = normalize_query(text)
    if query and not query.isdigit():
        escaped = like_escape(query)
        result += [
            (3, "pinyin", SQL("p.pinyin_full LIKE %s", escaped + "%"), SQL("p.pinyin_full USING ~<~"), False),
            (3, "pinyin", SQL("p.pinyin_initials LIKE %s", escaped + "%"), SQL("p.pinyin_initials USING ~<~"), False),
        ]
        if len(query) >= SUBSTRING_MIN:
            # inside a reading (全拼 of a later word, 首字母 of a later word)
            result.append(
                (
                    3,
                    "pinyin",
                    SQL("(p.pinyin_full LIKE %s OR p.pinyin_initials LIKE %s)", f"%{escaped}%", f"%{escaped}%"),
                    None,
                    False,
                )
            )
    if len(text) >= SUBSTRING_MIN:
        like = "%" + pattern + "%"
        result += [
            (4, "body", SQL("p.content_text ILIKE %s", like), None, False),
            (5, "attachment", SQL("a.index_content ILIKE %s", like), None, True),
        ]
    return result


def candidates_sql(text, companies, category_id=None, limit=CANDIDATES):
    """One query: (page id, rank, position in its walk) of the candidates of
    every kind of match, among the current (active, content) pages of
    `companies` (or of no company), in the category `category_id` or its
    sub-categories when given. None when the query searches nothing."""
    parts = branches(text)
    if not parts:
        return None
    scope = SQL(
        "p.type = 'content' AND p.active AND (p.company_id IS NULL OR p.company_id = ANY(%s))",
        list(companies),
    )
    with_category = SQL()
    if category_id:
        with_category = SQL(
            "WITH RECURSIVE category(id) AS (SELECT %s::int UNION"
            " SELECT c.id FROM document_page c JOIN category ON c.parent_id = category.id) ",
            category_id,
        )
        scope = SQL("%s AND p.parent_id IN (SELECT id FROM category)", scope)
    selects = []
    for number, (rank, _kind, condition, order, attachment) in enumerate(parts):
        if attachment:
            source = SQL(
                "SELECT DISTINCT p.id FROM ir_attachment a JOIN document_page p ON p.history_head = a.res_id"
                " WHERE a.res_model = 'document.page.history' AND a.res_field IS NULL AND %s AND %s",
                condition,
                scope,
            )
        else:
            source = SQL("SELECT p.id FROM document_page p WHERE %s AND %s", condition, scope)
        selects.append(
            SQL(
                "(SELECT c.id, %s, %s, row_number() OVER () FROM (%s%s LIMIT %s) AS c)",
                rank,
                number,
                source,
                SQL(" ORDER BY %s", order) if order else SQL(),
                limit,
            )
        )
    return SQL("%s%s", with_category, SQL(" UNION ALL ").join(selects))


def best_matches(rows):
    """{page id: (rank, branch number, position)}: each page's best match."""
    best = {}
    for page_id, rank, number, position in rows:
        key = (rank, number, position)
        if page_id not in best or key < best[page_id]:
            best[page_id] = key
    return best


def snippets_sql(text, page_ids, attachment_ids):
    """(page id, snippet, attachment name) of the pages: around the query
    in the current text (or, for `attachment_ids`, in the first attachment
    containing it), else the text's start."""
    pattern = "%" + like_escape(text) + "%"
    return SQL(
        """SELECT p.id,
                  CASE WHEN p.id = ANY(%(attached)s) THEN att.snippet
                       ELSE substr(p.content_text,
                                   greatest(strpos(lower(p.content_text), lower(%(text)s)) - %(before)s, 1),
                                   %(length)s) END,
                  CASE WHEN p.id = ANY(%(attached)s) THEN att.name END
             FROM document_page p
             LEFT JOIN LATERAL (
                  SELECT a.name,
                         substr(a.index_content,
                                greatest(strpos(lower(a.index_content), lower(%(text)s)) - %(before)s, 1),
                                %(length)s) AS snippet
                    FROM ir_attachment a
                   WHERE p.id = ANY(%(attached)s)
                     AND a.res_model = 'document.page.history' AND a.res_id = p.history_head
                     AND a.res_field IS NULL AND a.index_content ILIKE %(pattern)s
                   ORDER BY a.id LIMIT 1) AS att ON TRUE
            WHERE p.id = ANY(%(ids)s)""",
        attached=list(attachment_ids),
        text=text,
        before=SNIPPET_BEFORE,
        length=SNIPPET_LENGTH,
        pattern=pattern,
        ids=list(page_ids),
    )
