import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_reports_tour", {
    url: "/my/reports",
    steps: () => [
        {
            content: "The report's title stays hidden before the identity check",
            trigger: ".o_ihospital_report_list:not(:contains('Tour Blood Count'))",
        },
        {
            content: "Open the lab report",
            trigger: ".o_ihospital_report_list a:contains('LAB-TOUR-1')",
            run: "click",
        },
        {
            content: "The identity check comes first, without the results",
            trigger: ".o_ihospital_report_verify:not(:has(.o_ihospital_report_lab))",
        },
        {
            content: "Send the code by SMS",
            trigger: "button.o_ihospital_send_code",
            run: "click",
        },
        {
            content: "The code was sent",
            trigger: ".o_ihospital_report_verify .alert-success",
        },
        {
            content: "A wrong code is refused",
            trigger: "input[name='id_number']",
            run: "edit 110105194912310000",
        },
        {
            trigger: "input[name='code']",
            run: "edit 000000",
        },
        {
            trigger: "button.o_ihospital_verify",
            run: "click",
        },
        {
            content: "Wrong tries are counted",
            trigger: ".o_ihospital_report_verify .alert-danger:contains('4')",
        },
        {
            content: "Enter the patient's ID number",
            trigger: "input[name='id_number']",
            run: "edit 11010519491231002X",
        },
        {
            content: "Enter the code",
            trigger: "input[name='code']",
            run: "edit 246810",
        },
        {
            trigger: "button.o_ihospital_verify",
            run: "click",
        },
        {
            content: "The results show, the critical one flagged",
            trigger: ".o_ihospital_report_lab tr.table-danger:contains('Potassium')",
        },
        {
            content: "A PDF can be downloaded",
            trigger: ".o_ihospital_report_lab a.o_ihospital_report_pdf",
        },
    ],
});
