import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_portal_patients", {
    url: "/my/patients",
    steps: () => [
        {
            content: "The account manages three patients",
            trigger: ".o_ihospital_patient_usage:contains(3 / 5)",
        },
        {
            content: "Add a patient",
            trigger: "a.o_ihospital_patient_add",
            run: "click",
        },
        {
            trigger: "input[name=name]",
            run: "edit 王小测",
        },
        {
            trigger: "select[name=relation]",
            run: "select spouse",
        },
        {
            content: "A resident ID number with a wrong check digit",
            trigger: "input[name=id_number]",
            run: "edit 440103198506123218",
        },
        {
            trigger: "input[name=phone]",
            run: "edit 13800138000",
        },
        {
            trigger: "button.o_ihospital_patient_save",
            run: "click",
        },
        {
            content: "The model's sentence is shown",
            trigger: ".o_ihospital_error:contains(check digit is wrong)",
        },
        {
            content: "What the user typed is kept",
            trigger: "input[name=name]:value(王小测)",
        },
        {
            trigger: "select[name=relation]:has(option[value=spouse]:selected)",
        },
        {
            content: "The right number",
            trigger: "input[name=id_number]",
            run: "edit 440103198506123212",
        },
        {
            trigger: "button.o_ihospital_patient_save",
            run: "click",
        },
        {
            trigger: ".o_ihospital_message:contains(王小测)",
        },
        {
            trigger: ".o_ihospital_patient_usage:contains(4 / 5)",
        },
        {
            content: "The new patient waits for the hospital's confirmation: no record details, no editing",
            trigger: ".o_ihospital_patient_row:contains(王小测) .o_ihospital_unconfirmed",
        },
        {
            trigger: ".o_ihospital_patient_row:contains(王小测):not(:has(a.o_ihospital_patient_edit))",
        },
        {
            content: "Edit a confirmed patient's address",
            trigger: ".o_ihospital_patient_row:contains(陈美玲) a.o_ihospital_patient_edit",
            run: "click",
        },
        {
            content: "The document number is shown masked and cannot be changed",
            trigger: ".o_ihospital_id_masked:contains(***********)",
        },
        {
            trigger: "input[name=address]",
            run: "edit 越秀区东风中路1号",
        },
        {
            trigger: "button.o_ihospital_patient_save",
            run: "click",
        },
        {
            trigger: ".o_ihospital_message",
        },
        {
            content: "Stop managing the new patient",
            trigger: ".o_ihospital_patient_row:contains(王小测) button.o_ihospital_patient_archive",
            run() {
                window.confirm = () => true;
                this.anchor.click();
            },
        },
        {
            trigger: ".o_ihospital_patient_usage:contains(3 / 5)",
        },
        {
            trigger: ".o_ihospital_my_patients:not(:has(.o_ihospital_patient_row:contains(王小测)))",
        },
    ],
});
