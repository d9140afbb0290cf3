import { registry } from "@web/core/registry";

// A nurse's phone (375 px): find Dr 李晓明 by the initials of his name,
// call him, then open a chat with him where a voice message is one tap away.
registry.category("web_tour.tours").add("ihospital_staff_directory", {
    url: "/odoo/action-ihospital_staff.hr_employee_public_action_directory",
    steps: () => [
        {
            content: "The directory shows colleagues' cards",
            trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost) .o_ihospital_directory_name",
        },
        {
            content: "A colleague who does not show the mobile: masked, not a link to tap",
            trigger: ".o_kanban_record:not(:has(a.o_ihospital_directory_mobile)) .o_ihospital_directory_mobile_masked:contains(****)",
        },
        {
            content: "Open the search bar (hidden on a phone)",
            trigger: ".o_control_panel button:has(.fa-search)",
            run: "click",
        },
        {
            content: "Type the initials of 李晓明",
            trigger: ".o_searchview_input",
            run: "edit lxm",
        },
        {
            content: "Search it as a name (characters, pinyin or initials)",
            trigger: ".o_searchview_autocomplete .o_menu_item.focus",
            run: "click",
        },
        {
            content: "李晓明's card, with his office phone and his mobile to tap",
            trigger:
                ".o_kanban_record:has(.o_ihospital_directory_name:contains(李晓明)) a.o_ihospital_directory_office[href^='tel:']",
        },
        {
            trigger:
                ".o_kanban_record:has(.o_ihospital_directory_name:contains(李晓明)) a.o_ihospital_directory_mobile[href^='tel:']",
        },
        {
            content: "Only colleagues whose name reads lxm are left",
            trigger: ".o_kanban_view:not(:has(.o_ihospital_directory_name:contains(陈志远)))",
        },
        {
            content: "Chat with him",
            trigger: ".o_kanban_record:has(.o_ihospital_directory_name:contains(李晓明)) .o_ihospital_directory_chat",
            run: "click",
        },
        {
            content: "The chat is open with the voice message button",
            trigger: ".o-mail-Composer .o-mail-VoiceRecorder",
        },
    ],
});
