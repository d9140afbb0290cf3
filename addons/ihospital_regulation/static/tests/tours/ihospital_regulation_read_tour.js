import { registry } from "@web/core/registry";

// A nurse's phone (375 px): open the regulations to read, tap the critical
// value procedure and read the version in effect (2.0, not the superseded 1.0).
registry.category("web_tour.tours").add("ihospital_regulation_read", {
    url: "/odoo/action-ihospital_regulation.document_page_action_read",
    steps: () => [
        {
            content: "The hospital's regulations as cards, with the version in effect",
            trigger: ".o_kanban_record:has(.o_ihospital_regulation_title:contains(危急值报告制度)):contains(v2.0)",
        },
        {
            content: "The second hospital's regulations are not there",
            trigger: ".o_kanban_view:not(:has(.o_ihospital_regulation_title:contains(首诊负责制度)))",
        },
        {
            content: "Open the critical value procedure",
            trigger: ".o_kanban_record .o_ihospital_regulation_title:contains(危急值报告制度)",
            run: "click",
        },
        {
            content: "The text in effect: notified within 10 minutes (version 2.0)",
            trigger: ".o_form_view .o_ihospital_regulation_content:contains(10 分钟内)",
        },
        {
            content: "Nothing to edit on the reading form",
            trigger: ".o_form_view:not(:has(.o_form_button_save)):not(:has(button[name=action_new_version]))",
        },
    ],
});
