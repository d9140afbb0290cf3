import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_staff_workbench", {
    url: "/odoo/action-ihospital_staff.ihospital_staff_workbench_action",
    steps: () => [
        {
            content: "The critical value waits, in red, with its count",
            trigger: ".o_ihospital_tile_critical.btn-danger .o_ihospital_tile_count:contains(1)",
        },
        {
            content: "Who is on duty now, with the phone to call",
            trigger: ".o_ihospital_workbench_on_duty:contains(Nurse Huang)",
        },
        {
            content: "Quick search finds a colleague",
            trigger: ".o_ihospital_workbench_search",
            run: "edit Huang",
        },
        {
            trigger: ".o_ihospital_workbench_colleague:contains(Nurse Huang)",
        },
        {
            content: "The tile opens the alerts to acknowledge",
            trigger: ".o_ihospital_tile_critical",
            run: "click",
        },
        {
            trigger: ".o_kanban_record:contains(Potassium) button[name=action_open_acknowledge]",
        },
    ],
});
