// Node-RED settings for the edge gateway (managed by the souk template)
const bcrypt = require('/usr/src/node-red/node_modules/bcryptjs');

module.exports = {
    uiPort: 1880,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: process.env.NR_CREDENTIAL_SECRET,
    adminAuth: {
        type: 'credentials',
        users: [{
            username: 'admin',
            password: bcrypt.hashSync(process.env.NR_ADMIN_PASSWORD, 10),
            permissions: '*'
        }]
    },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: {
        page: { title: 'Edge Gateway ' + process.env.GATEWAY_ID },
        projects: { enabled: false }
    },
    functionGlobalContext: {}
};
