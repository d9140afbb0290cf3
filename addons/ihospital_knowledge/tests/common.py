from odoo.tests.common import TransactionCase, new_test_user


class KnowledgeCase(TransactionCase):
    """Two hospitals, staff of the roles that matter here, and a small
    formulary with its incompatibilities, built in the test (the demo data
    is the pharmacy's to review, tests do not depend on it)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, no_reset_password=True))
        Company = cls.env["res.company"]
        cls.hospital = Company.create({"name": "Test Knowledge Hospital", "is_hospital": True})
        cls.hospital_2 = Company.create({"name": "Test Other Hospital", "is_hospital": True})

        def user(login, groups, company):
            return new_test_user(
                cls.env, login=login, groups=groups, company_id=company.id, company_ids=[company.id], name=login
            )

        cls.user_nurse = user("k_nurse", "ihospital_base.group_nurse", cls.hospital)
        cls.user_doctor = user("k_doctor", "ihospital_base.group_doctor", cls.hospital)
        cls.user_pharmacist = user("k_pharmacist", "ihospital_knowledge.group_pharmacist", cls.hospital)
        cls.user_admin = user("k_admin", "ihospital_base.group_admin", cls.hospital)
        cls.user_quality = user("k_quality", "ihospital_base.group_quality_officer", cls.hospital)
        cls.user_gateway = user("k_gateway", "ihospital_his.group_his_gateway", cls.hospital)
        cls.user_portal = user("k_portal", "base.group_portal", cls.hospital)
        cls.user_pharmacist_2 = user("k_pharmacist_2", "ihospital_knowledge.group_pharmacist", cls.hospital_2)

        Disease = cls.env["ihospital.disease"]

        def who_code(code, name, name_en):
            # a WHO code is shared by every hospital, and the demo data may hold it already
            existing = Disease.search([("code", "=", code), ("company_id", "=", False)])
            return existing or Disease.create({"code": code, "name": name, "name_en": name_en, "company_id": False})

        cls.pneumonia = who_code("J18.9", "肺炎", "Pneumonia, unspecified")
        cls.hypertension = who_code("I10", "原发性高血压", "Essential (primary) hypertension")

        Drug = cls.env["ihospital.drug"].with_company(cls.hospital)

        def drug(code, name, **values):
            return Drug.create({"code": code, "name": name, "company_id": cls.hospital.id, **values})

        cls.ceftriaxone = drug(
            "CRO001",
            "头孢曲松钠",
            name_en="Ceftriaxone",
            brand_names="罗氏芬, Rocephin",
            atc_code="J01DD04",
            indication_ids=[cls.pneumonia.id],
            indications="敏感菌所致的下呼吸道感染",
        )
        cls.calcium = drug("CAG001", "葡萄糖酸钙注射液", name_en="Calcium gluconate", atc_code="A12AA03")
        cls.warfarin = drug(
            "WAR001",
            "华法林钠片",
            name_en="Warfarin",
            atc_code="B01AA03",
            is_high_alert=True,
            high_alert_level="A",
            black_box_warning="可致严重出血",
        )
        cls.aspirin = drug("ASP001", "阿司匹林肠溶片", name_en="Aspirin", atc_code="B01AC06")
        cls.amlodipine = drug(
            "AML001", "苯磺酸氨氯地平片", name_en="Amlodipine", atc_code="C08CA01", indication_ids=[cls.hypertension.id]
        )
        cls.ringer = drug("RL001", "乳酸钠林格注射液", name_en="Lactated Ringer's", kind="solution")
        cls.saline = drug("NS001", "0.9%氯化钠注射液", name_en="Sodium chloride 0.9%", kind="solution")

        Pair = cls.env["ihospital.drug.incompatibility"]

        def pair(a, b, severity, kind="incompatible"):
            return Pair.create(
                {
                    "drug_a_id": a.id,
                    "drug_b_id": b.id,
                    "severity": severity,
                    "kind": kind,
                    "company_id": cls.hospital.id,
                    "mechanism": f"{a.name_en} with {b.name_en}",
                    "management": "Give separately.",
                    "source": "Test reference",
                    "source_version": "2024",
                }
            )

        cls.pair_cro_cal = pair(cls.ceftriaxone, cls.calcium, "contraindicated")
        cls.pair_cro_ringer = pair(cls.ringer, cls.ceftriaxone, "contraindicated")
        cls.pair_war_asp = pair(cls.warfarin, cls.aspirin, "major", kind="interaction")
        cls.pair_asp_aml = pair(cls.amlodipine, cls.aspirin, "minor", kind="interaction")

        # the other hospital's formulary: same code, its own drugs and pairs
        Drug2 = cls.env["ihospital.drug"].with_company(cls.hospital_2)
        cls.ceftriaxone_2 = Drug2.create({"code": "CRO001", "name": "头孢曲松钠", "company_id": cls.hospital_2.id})
        cls.calcium_2 = Drug2.create({"code": "CAG001", "name": "葡萄糖酸钙注射液", "company_id": cls.hospital_2.id})
        Pair.create(
            {
                "drug_a_id": cls.ceftriaxone_2.id,
                "drug_b_id": cls.calcium_2.id,
                "severity": "contraindicated",
                "company_id": cls.hospital_2.id,
            }
        )
