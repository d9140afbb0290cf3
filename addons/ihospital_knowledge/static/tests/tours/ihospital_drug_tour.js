import { registry } from "@web/core/registry";

// A nurse's phone (375 px): find warfarin by the initials of 华法林 and see
// its safety warnings first thing on its page.
registry.category("web_tour.tours").add("ihospital_drug_search", {
    url: "/odoo/action-ihospital_knowledge.ihospital_drug_action",
    steps: () => [
        {
            content: "The formulary shows drug cards",
            trigger: ".o_kanban_view .o_kanban_record:contains(头孢曲松钠)",
        },
        {
            content: "Open the search bar (hidden on a phone)",
            trigger: ".o_control_panel button:has(.fa-search)",
            run: "click",
        },
        {
            content: "Type the initials of 华法林",
            trigger: ".o_searchview_input",
            run: "edit hfl",
        },
        {
            content: "Search it as a name (characters, pinyin or initials)",
            trigger: ".o_searchview_autocomplete .o_menu_item.focus",
            run: "click",
        },
        {
            content: "Only warfarin is left, marked high-alert",
            trigger: ".o_kanban_view:not(:has(.o_kanban_record:contains(头孢曲松钠))) .o_kanban_record:contains(华法林钠片) .badge:contains(High-Alert)",
            run: "click",
        },
        {
            content: "The drug's page opens with its warnings on top",
            trigger: ".o_form_view .o_ihospital_high_alert:contains(High-Alert Drug)",
        },
        {
            trigger: ".o_form_view .o_ihospital_black_box:contains(可致严重出血)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=code]:contains(WAR001)",
        },
    ],
});

// On a phone a drug field opens a search dialog: search it there as typed
// (characters, pinyin or initials) and tap its card.
function pick(field, typed, name, notShown) {
    return [
        {
            content: `Pick a drug for ${field}`,
            trigger: `.o_field_widget[name=${field}] input`,
            run: "click",
        },
        {
            content: "Open the dialog's search bar",
            trigger: ".modal .o_control_panel button:has(.fa-search)",
            run: "click",
        },
        {
            content: `Type ${typed}`,
            trigger: ".modal .o_searchview_input",
            run: `edit ${typed}`,
        },
        {
            trigger: ".modal .o_searchview_autocomplete .o_menu_item.focus",
            run: "click",
        },
        {
            content: `Tap ${name}`,
            trigger: `.modal .o_kanban_view:not(:has(.o_kanban_record:contains(${notShown}))) .o_kanban_record:contains(${name})`,
            run: "click",
        },
    ];
}

// The same phone: ceftriaxone (typed in pinyin) given in lactated Ringer's
// and with calcium gluconate: both conflicts on one screen.
registry.category("web_tour.tours").add("ihospital_drug_check", {
    url: "/odoo/action-ihospital_knowledge.ihospital_drug_check_action",
    steps: () => [
        ...pick("drug_ids", "toubaoqusong", "头孢曲松钠", "华法林钠片"),
        {
            content: "One drug: nothing to compare yet",
            trigger: ".o_field_widget[name=drug_ids] .o_tag:contains(头孢曲松钠)",
        },
        {
            trigger: ".o_ihospital_drug_check_result:contains(Pick at least two drugs)",
        },
        // lactated Ringer's contains calcium
        ...pick("solution_id", "rsnlg", "乳酸钠林格注射液", "0.9%氯化钠注射液"),
        {
            content: "The pair shows with its severity",
            trigger:
                ".o_ihospital_conflict_contraindicated:contains(头孢曲松钠):contains(乳酸钠林格注射液) .badge:contains(Contraindicated)",
        },
        ...pick("drug_ids", "ptts", "葡萄糖酸钙注射液", "华法林钠片"),
        {
            content: "Both conflicts on the same screen",
            trigger: ".o_ihospital_drug_check_result:contains(2 conflicting pair(s))",
        },
        {
            trigger: ".o_ihospital_conflict:contains(头孢曲松钠):contains(葡萄糖酸钙注射液)",
        },
        {
            content: "Keep the check (the screen is the user's own)",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_status_indicator_buttons.invisible:not(:visible)",
        },
    ],
});
