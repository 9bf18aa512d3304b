/** @odoo-module **/
/**
 * A merchant opens a webhook delivery whose processing failed, clicks Replay and confirms: the
 * delivery lists the replay, who asked for it and its job. The delivery is made by
 * tests/test_tours_merchant.py.
 */
import { registry } from "@web/core/registry";

// A step waiting for a server action (ms): more than the default 10 s, for a loaded CI machine.
const SLOW_STEP = 30000;

registry.category("web_tour.tours").add("store_connector_replay_tour", {
    steps: () => [
        {
            content: "open the delivery from the list",
            trigger: ".o_list_view .o_data_row td[name=event_id]:contains(evt-tour-replay)",
            run: "click",
        },
        {
            content: "the delivery says its processing failed",
            trigger: ".o_form_view div[name=job_next_step]:contains(Processing this notification failed):contains(NEW-LAMP)",
        },
        {
            content: "no replay yet",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=replay_ids]))",
        },
        {
            content: "replay",
            trigger: ".o_form_view .o_form_statusbar button[name=action_replay]",
            run: "click",
        },
        {
            content: "confirm",
            trigger: ".modal .modal-footer button:contains(Ok)",
            run: "click",
        },
        {
            content: "the notification says what was queued",
            timeout: SLOW_STEP,
            trigger: ".o_notification:contains(replay)",
        },
        {
            content: "the replay is listed on the delivery, with who asked for it",
            timeout: SLOW_STEP,
            trigger: ".o_form_view .o_field_widget[name=replay_ids] .o_data_row:contains(Tour Merchant)",
        },
    ],
});
