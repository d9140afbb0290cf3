import logging

import psycopg2

from odoo import api, fields, models
from odoo.modules.db import has_trigram
from odoo.osv import expression

from ..pinyin import normalize_query, pinyin_keys

_logger = logging.getLogger(__name__)


class IhospitalPinyinMixin(models.AbstractModel):
    """Find records by the pinyin of their name: full ("lixiaoming", also
    typed "li xiao ming" or "xiaoming") or initials ("lxm", or their start
    "lx"), besides the characters. Both readings of a polyphonic surname
    are stored (单 shan and dan), and the other readings of polyphonic
    characters one at a time.

    A model declares `_pinyin_source`: the field, or a tuple of fields
    (dotted paths allowed), whose text is read. The keys are stored and
    trigram-indexed (PostgreSQL's pg_trgm, created at install when the
    database user may), so that the search stays an index scan on large
    tables. `name_search`, many2one fields and the search on
    `display_name` find records by pinyin through `_search_display_name`."""

    _name = "ihospital.pinyin.mixin"
    _description = "Pinyin Search"
    _pinyin_source = "name"

    pinyin_full = fields.Char(
        string="Pinyin",
        compute="_compute_pinyin",
        store=True,
        index="trigram",
        help="The name's readings in pinyin, written together and separated by spaces.",
    )
    pinyin_initials = fields.Char(
        compute="_compute_pinyin",
        store=True,
        index="trigram",
        help="The initials of the name's readings in pinyin, separated by spaces.",
    )

    @api.model
    def _pinyin_sources(self):
        source = self._pinyin_source
        return (source,) if isinstance(source, str) else tuple(source)

    @api.depends(lambda self: self._pinyin_sources())
    def _compute_pinyin(self):
        texts = self._pinyin_texts()
        for record in self:
            full, initials = pinyin_keys(*texts.get(record, ()))
            record.pinyin_full = full or False
            record.pinyin_initials = initials or False

    def _pinyin_texts(self):
        """{record: [texts]}: the texts whose pinyin is stored, for all the
        records of self at once (override to read them in one query)."""
        paths = self._pinyin_sources()
        return {
            record: [value for path in paths for value in record.mapped(path) if isinstance(value, str)]
            for record in self
        }

    @api.model
    def _pinyin_domain(self, value):
        """The domain matching `value` typed as pinyin, or [] when it is not
        pinyin (Chinese characters, other signs): full pinyin anywhere in a
        reading, initials from the start of a reading."""
        query = normalize_query(value)
        if not query:
            return []
        return [
            "|",
            "|",
            ("pinyin_full", "ilike", query),
            ("pinyin_initials", "=ilike", f"{query}%"),
            # a later reading: the readings are separated by one space
            ("pinyin_initials", "ilike", f" {query}"),
        ]

    @api.model
    def _search_display_name(self, operator, value):
        domain = super()._search_display_name(operator, value)
        if operator != "ilike":
            return domain
        pinyin_domain = self._pinyin_domain(value)
        return expression.OR([domain, pinyin_domain]) if pinyin_domain else domain

    def init(self):
        res = super().init()
        if not self._abstract and self._auto:
            self._pinyin_ensure_trigram()
        return res

    def _pinyin_ensure_trigram(self):
        """Create pg_trgm (a trusted extension: the database owner may) so
        that Odoo creates the trigram indexes of the pinyin fields, which
        it checks right after the models' init()."""
        registry = self.env.registry
        if registry.has_trigram:
            return
        try:
            # raw SQL: the ORM has no notion of extensions
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg2.Error as error:
            _logger.warning(
                "PostgreSQL's pg_trgm extension could not be created (%s): pinyin and name searches work but "
                "scan the whole table. Install PostgreSQL's contrib package and run CREATE EXTENSION pg_trgm.",
                error,
            )
            return
        registry.has_trigram = has_trigram(self.env.cr)
