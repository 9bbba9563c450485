/* Servidor de pedidos sobre uma fila de mensagens System V (a fila que o notebook criou).
 * Uso: servidor CHAVE [PEDIDOS]
 * Recebe PEDIDOS mensagens de mtype 1 com o texto "PID texto" e responde a cada uma com
 * mtype = PID do cliente: cada cliente recebe só a sua resposta. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

struct mensagem {
    long mtype;       /* tipo: um inteiro positivo */
    char text[512];   /* o conteúdo */
};

int main(int argc, char *argv[]) {
    if (argc < 2) { fprintf(stderr, "uso: %s CHAVE [PEDIDOS]\n", argv[0]); return 2; }
    key_t key = (key_t) strtol(argv[1], NULL, 0);
    int pedidos = argc > 2 ? atoi(argv[2]) : 2;

    int id = msgget(key, 0);                                   /* abre a fila existente */
    if (id < 0) { perror("msgget"); return 1; }

    for (int i = 0; i < pedidos; i++) {
        struct mensagem pedido;
        ssize_t n = msgrcv(id, &pedido, sizeof pedido.text - 1, 1, 0);   /* type = 1: só pedidos */
        if (n < 0) { perror("msgrcv"); return 1; }
        pedido.text[n] = '\0';

        char *texto = strchr(pedido.text, ' ');                /* "PID texto" */
        texto = texto ? texto + 1 : pedido.text;
        struct mensagem resposta;
        resposta.mtype = strtol(pedido.text, NULL, 10);        /* responde para o PID do cliente */
        size_t t;
        for (t = 0; texto[t] && t < 400; t++) resposta.text[t] = (char) toupper((unsigned char) texto[t]);
        int len = (int) t + snprintf(resposta.text + t, sizeof resposta.text - t, " (servidor C, PID %d)", (int) getpid());
        if (msgsnd(id, &resposta, (size_t) len, 0) < 0) { perror("msgsnd"); return 1; }
    }
    return 0;
}
