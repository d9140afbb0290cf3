import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_staff_patient_chart", {
    url: "/odoo/action-ihospital_staff.ihospital_staff_my_patients_action",
    steps: () => [
        {
            content: "My inpatients, by bed",
            trigger: ".o_ihospital_tab_inpatients.active",
        },
        {
            content: "Open the patient in bed 12",
            trigger: ".o_ihospital_inpatients .o_ihospital_patient_row:has(.o_ihospital_patient_badge:contains(12))",
            run: "click",
        },
        {
            content: "The patient's identity, allergy and bed",
            trigger: ".o_ihospital_patient_identity:contains(Chen Zhiqiang)",
        },
        {
            trigger: ".o_ihospital_patient_allergies:contains(Penicillin)",
        },
        {
            trigger: ".o_ihospital_patient_admission:contains(12)",
        },
        {
            content: "Only the lab reports",
            trigger: ".o_ihospital_filter_lab",
            run: "click",
        },
        {
            content: "The low potassium is marked abnormal",
            trigger: ".o_ihospital_entry_lab .o_ihospital_mark_abnormal",
        },
        {
            content: "Open the newest report's lines",
            trigger: ".o_ihospital_entry_lab:first .o_ihospital_entry_title",
            run: "click",
        },
        {
            content: "The potassium line opens its trend",
            trigger: ".o_ihospital_lab_line:has(.o_ihospital_lab_line_name:contains(Potassium)) .o_ihospital_open_trend",
            run: "click",
        },
        {
            content: "The trend chart with the reference range",
            trigger: ".o_ihospital_lab_trend canvas.o_ihospital_trend_chart",
        },
        {
            trigger: ".o_ihospital_trend_range:contains(3.5-5.3)",
        },
        {
            content: "Three results over the month, the low one flagged",
            trigger: ".o_ihospital_trend_points:has(.o_ihospital_trend_point:nth-child(3)) .o_ihospital_trend_point.table-warning:contains(3.3)",
        },
        {
            content: "A longer period",
            trigger: ".o_ihospital_trend_period_90",
            run: "click",
        },
        {
            trigger: ".o_ihospital_trend_period_90.btn-primary",
        },
    ],
});
