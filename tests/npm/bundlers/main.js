import init, { DuplexSocket } from 'duplex-ws';

await init();
const socket = new DuplexSocket(`ws://${location.host}/`);
socket.onmessage = (event) => console.log('received: ', event.data);
socket.send('I am listening');
