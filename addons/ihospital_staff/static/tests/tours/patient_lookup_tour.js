import { registry } from "@web/core/registry";

// The lab lookup (检验结果查询) on a phone: a hint before anything is typed
// and for a term too short, no match, too many matches, then a card number
// as a scanner types it (the number, then Enter) opens the patient's lab
// reports, the newest open.
registry.category("web_tour.tours").add("ihospital_staff_lab_lookup", {
    url: "/odoo/ihospital-lab-lookup",
    steps: () => [
        {
            content: "Nothing typed: what to type",
            trigger: ".o_ihospital_lab_lookup .o_ihospital_lookup_hint:contains(medical card)",
        },
        {
            trigger: ".o_ihospital_lookup_input",
            run: "edit c",
        },
        {
            content: "One letter is not looked up",
            trigger: ".o_ihospital_lookup_hint:contains(at least two)",
        },
        {
            trigger: ".o_ihospital_lookup_input",
            run: "edit qqqq",
        },
        {
            content: "No patient matches",
            trigger: ".o_ihospital_lookup_empty",
        },
        {
            trigger: ".o_ihospital_lookup_input",
            run: "edit 黄",
        },
        {
            content: "A common surname: the first twenty, and refine your search",
            trigger: ".o_ihospital_lookup_results:has(.o_ihospital_lookup_patient:nth-child(20)):not(:has(.o_ihospital_lookup_patient:nth-child(21)))",
        },
        {
            trigger: ".o_ihospital_lookup_more:contains(refine your search)",
        },
        {
            content: "By pinyin, the ID number masked",
            trigger: ".o_ihospital_lookup_input",
            run: "edit chen zhi",
        },
        {
            trigger: ".o_ihospital_lookup_patient:contains(Chen Zhiqiang):has(.o_ihospital_lookup_match:contains(Pinyin)) .o_ihospital_lookup_id:contains(7612)",
        },
        {
            content: "A card scanned into the box: the number, then Enter",
            trigger: ".o_ihospital_lookup_input",
            run: "edit ;t0001?",
        },
        {
            trigger: ".o_ihospital_lookup_input",
            run: "press Enter",
        },
        {
            content: "The patient opens on the lab reports, the newest open",
            trigger: ".o_ihospital_patient_identity:contains(Chen Zhiqiang)",
        },
        {
            trigger: ".o_ihospital_filter_lab.btn-primary",
        },
        {
            trigger: ".o_ihospital_lab_line_name:contains(Potassium)",
        },
    ],
});

// The workbench's quick search finds a patient by the lookup too: tapping
// the patient opens the patient's page.
registry.category("web_tour.tours").add("ihospital_staff_workbench_lookup", {
    url: "/odoo/action-ihospital_staff.ihospital_staff_workbench_action",
    steps: () => [
        {
            trigger: ".o_ihospital_workbench_search",
            run: "edit T000",
        },
        {
            content: "The card number's prefix finds the patient",
            trigger: ".o_ihospital_workbench .o_ihospital_lookup_patient:contains(Chen Zhiqiang) .o_ihospital_lookup_card:contains(T0001)",
        },
        {
            trigger: ".o_ihospital_workbench .o_ihospital_lookup_patient:contains(Chen Zhiqiang) .o_ihospital_lookup_name",
            run: "click",
        },
        {
            content: "The patient's page, the whole timeline",
            trigger: ".o_ihospital_patient_identity:contains(Chen Zhiqiang)",
        },
        {
            trigger: ".o_ihospital_timeline_filters button.btn-primary:contains(All)",
        },
    ],
});
