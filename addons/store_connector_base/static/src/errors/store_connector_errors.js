import { _t } from "@web/core/l10n/translation";
import { RPCError } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { WarningDialog } from "@web/core/errors/error_dialogs";

// The web client shows a readable warning only for the exception classes it knows by name
// (odoo.exceptions.UserError...). Ours subclass them, or are meant for people as they are
// (PlatformFeatureMissing: "The X connector does not support Y yet"), yet would appear as
// "Oops! Something went wrong" with the message hidden in the traceback. Every exception class
// defined in a Store Connector addon is raised on purpose with a message for the user, so the
// handler below shows them all as warnings.
const STORE_CONNECTOR_EXCEPTION = /^odoo\.addons\.store_connector_\w+\./;

const TITLES = {
    PlatformFeatureMissing: _t("Not Supported Yet"),
    OperationNotPermitted: _t("Operation Not Permitted"),
    MissingEncryptionKey: _t("Credentials Unavailable"),
    CredentialDecryptError: _t("Credentials Unavailable"),
    StoreAuthError: _t("Authentication Failed"),
    TestModeNotSent: _t("Test Mode: Not Sent"),
};

export class StoreConnectorWarningDialog extends WarningDialog {
    inferTitle() {
        const className = (this.props.exceptionName || "").split(".").pop();
        return (TITLES[className] || _t("Store Connector")).toString();
    }
}

/**
 * Runs before Odoo's rpcErrorHandler (sequence 97) and only picks the dialog: that handler then
 * shows it with the server's message, as it does for a UserError.
 */
export function storeConnectorErrorHandler(env, error, originalError) {
    if (
        originalError instanceof RPCError &&
        !originalError.Component &&
        STORE_CONNECTOR_EXCEPTION.test(originalError.exceptionName || "")
    ) {
        originalError.Component = StoreConnectorWarningDialog;
    }
    return false;
}

registry
    .category("error_handlers")
    .add("store_connector_errors", storeConnectorErrorHandler, { sequence: 96 });
